import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { RedisConnections } from '@parley/redis';
import { DomainEvents } from './domain-events';
import { InMemoryRateLimitStore, RateLimitStore } from './rate-limit';
import { HttpRateLimitGuard } from './rate-limit.guard';
import { RedisRateLimitStore } from './redis-rate-limit.store';
import { SystemMessages } from './system-messages';

@Global()
@Module({
  providers: [
    DomainEvents,
    SystemMessages,
    {
      provide: RateLimitStore,
      inject: [{ token: RedisConnections, optional: true }],
      useFactory: (redis?: RedisConnections): RateLimitStore =>
        redis ? new RedisRateLimitStore(redis.sendPath, redis.prefix) : new InMemoryRateLimitStore(),
    },
    { provide: APP_GUARD, useClass: HttpRateLimitGuard },
  ],
  exports: [DomainEvents, RateLimitStore, SystemMessages],
})
export class CommonModule {}
