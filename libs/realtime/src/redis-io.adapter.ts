import { Logger } from '@nestjs/common';
import type { RedisConnections } from '@parley/redis';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { Adapter } from 'socket.io-adapter';
import type { ServerOptions } from 'socket.io';

const logger = new Logger('RedisAdapter');

/**
 * The adapter publishes without handling failures (`pubClient.spublish(...)` with no catch): while Redis is
 * away each broadcast would become an unhandled rejection. This view of the publisher swallows and counts
 * them instead; the local part of every broadcast still happens, and `message:new` gaps are filled from the
 * database by the receiving instances' sequencers.
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

/**
 * The adapter subscribes room channels without handling failures either (`subClient.ssubscribe(channel)` with no
 * catch); one refused during an outage is logged and subscribed again after recovery (resubscribeRooms).
 */
function tolerantSubscriber(client: Redis): Redis {
  const guard =
    (method: 'ssubscribe' | 'sunsubscribe') =>
    (...args: unknown[]): Promise<unknown> =>
      (client[method] as (...a: unknown[]) => Promise<unknown>)(...args).catch((error: unknown) => {
        logger.warn(`${method} ${String(args[0])} failed (retried after Redis recovers): ${String(error)}`);
        return 0;
      });
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'ssubscribe' || property === 'sunsubscribe') return guard(property);
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
}

/**
 * A room channel subscribed while Redis was away is never retried by the adapter: its promise fails and
 * ioredis does not remember it, so the instance would never hear that room again. After every recovery the
 * channels of all the adapter's rooms are subscribed again (subscribing twice is harmless).
 */
function resubscribeRooms(adapter: Adapter, subscriber: Redis, channelPrefix: string): void {
  const nsp = (adapter.nsp as { name: string }).name;
  const channels = [...adapter.rooms.keys()].filter((room) => !adapter.sids.has(room)).map((room) => `${channelPrefix}#${nsp}#${room}#`);
  if (channels.length === 0) return;
  subscriber.ssubscribe(...channels).catch((error: unknown) => logger.warn(`Subscribing ${channels.length} room channel(s) again failed: ${String(error)}`));
}

/**
 * Socket.IO's sharded Redis adapter (Redis ≥ 7 sharded pub/sub, a channel per room: an instance only receives
 * the broadcasts of rooms it has sockets in) over ioredis. Every room event crosses instances through it,
 * `message:new` included (ordered-delivery.ts keeps those in seq order).
 */
export function createRedisAdapterFactory(redis: RedisConnections): NonNullable<ServerOptions['adapter']> {
  const channelPrefix = `${redis.prefix}#sio`;
  const sharded = createShardedAdapter(tolerantPublisher(redis.sendPath), tolerantSubscriber(redis.adapterSub), { subscriptionMode: 'dynamic', channelPrefix });
  // Socket.IO calls it with `new`: a plain function returning the adapter (an arrow function cannot be).
  const factory = function (nsp: unknown): Adapter {
    const adapter: Adapter = sharded(nsp);
    redis.onHealthChange((healthy) => {
      if (healthy) resubscribeRooms(adapter, redis.adapterSub, channelPrefix);
    });
    return adapter;
  };
  return factory;
}
