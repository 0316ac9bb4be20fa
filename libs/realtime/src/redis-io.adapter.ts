import { Logger } from '@nestjs/common';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import type { RedisConnections } from '@parley/redis';
import type { Redis } from 'ioredis';
import type { ServerOptions } from 'socket.io';

const logger = new Logger('RedisAdapter');

/**
 * The adapter publishes without handling failures (`pubClient.publish(...)` with no catch): while Redis is
 * away each broadcast would become an unhandled rejection. This view of the publisher swallows and counts
 * them instead; the local part of every broadcast still happens, and clients recover gaps by catch-up.
 */
function tolerantPublisher(client: Redis): Redis {
  let failures = 0;
  const guard =
    (method: 'publish' | 'spublish') =>
    (...args: unknown[]): Promise<number> =>
      (client[method] as (...a: unknown[]) => Promise<number>)(...args).catch((error: unknown) => {
        if (failures++ % 1000 === 0) logger.warn(`Broadcast not published (${failures} so far): ${String(error)}`);
        return 0;
      });
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'publish' || property === 'spublish') return guard(property);
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
}

export type SocketAdapterKind = 'sharded' | 'classic';

/**
 * Socket.IO's Redis adapter over ioredis. `sharded` uses Redis 7 sharded pub/sub with a channel per room
 * (an instance only receives broadcasts for rooms it has sockets in); `classic` uses one channel that
 * every instance receives everything on. See bench/adapter and the README for the comparison.
 */
export function createRedisAdapterFactory(redis: RedisConnections, kind: SocketAdapterKind): NonNullable<ServerOptions['adapter']> {
  const pub = tolerantPublisher(redis.adapterPub);
  const factory =
    kind === 'sharded'
      ? createShardedAdapter(pub, redis.adapterSub, { subscriptionMode: 'dynamic', channelPrefix: `${redis.prefix}#sio` })
      : createAdapter(pub, redis.adapterSub, { key: `${redis.prefix}#sio` });
  return factory as NonNullable<ServerOptions['adapter']>;
}
