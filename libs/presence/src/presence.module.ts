import { Global, Module } from '@nestjs/common';
import { AppConfig } from '@parley/config';
import { RedisConnections } from '@parley/redis';
import { InMemoryPresenceStore, PresenceStore } from './presence.store';
import { RedisPresenceStore } from './redis-presence.store';

@Global()
@Module({
  providers: [
    {
      provide: PresenceStore,
      inject: [AppConfig, { token: RedisConnections, optional: true }],
      useFactory: (config: AppConfig, redis?: RedisConnections): PresenceStore =>
        redis
          ? new RedisPresenceStore(redis.command, {
              prefix: redis.prefix,
              instanceId: config.instanceId,
              instanceTtlMs: config.presenceInstanceTtlMs,
              heartbeatMs: config.presenceHeartbeatMs,
            })
          : new InMemoryPresenceStore(),
    },
  ],
  exports: [PresenceStore],
})
export class PresenceModule {}
