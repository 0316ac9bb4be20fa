import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { DomainEvents } from './domain-events';
import { InMemoryRateLimitStore, RateLimitStore } from './rate-limit';
import { HttpRateLimitGuard } from './rate-limit.guard';

@Global()
@Module({
  providers: [
    DomainEvents,
    { provide: RateLimitStore, useClass: InMemoryRateLimitStore },
    { provide: APP_GUARD, useClass: HttpRateLimitGuard },
  ],
  exports: [DomainEvents, RateLimitStore],
})
export class CommonModule {}
