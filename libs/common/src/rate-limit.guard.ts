import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppConfig } from '@parley/config';
import type { Request } from 'express';
import { ApiError } from './api-error';
import { RateLimitStore } from './rate-limit';

export type RateLimitBucket = 'auth' | 'default';
const RATE_LIMIT_BUCKET = 'parley:rate-limit-bucket';

/** Puts a controller or route in a stricter per-IP bucket (e.g. `auth` against password guessing). */
export const RateLimit = (bucket: RateLimitBucket): MethodDecorator & ClassDecorator => SetMetadata(RATE_LIMIT_BUCKET, bucket);

/** Global per-client-IP HTTP limit, counted in the shared RateLimitStore (Redis in a cluster). */
@Injectable()
export class HttpRateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly store: RateLimitStore,
    private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const bucket =
      this.reflector.getAllAndOverride<RateLimitBucket>(RATE_LIMIT_BUCKET, [context.getHandler(), context.getClass()]) ?? 'default';
    const limit = bucket === 'auth' ? this.config.authRateLimitPerMinute : this.config.httpRateLimitPerMinute;
    const request = context.switchToHttp().getRequest<Request>();
    const decision = await this.store.hit(`http:${bucket}:${request.ip ?? 'unknown'}`, limit, 60_000);
    if (!decision.allowed) throw ApiError.rateLimited(Math.ceil(decision.retryAfterMs / 1000));
    return true;
  }
}
