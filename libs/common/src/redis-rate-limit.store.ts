import { Logger } from '@nestjs/common';
import { redisScript, type RedisScript } from '@parley/redis';
import type { Redis } from 'ioredis';
import { InMemoryRateLimitStore, RateLimitStore, type RateLimitDecision } from './rate-limit';

/** Sliding-window log in a sorted set, in Redis time; one round trip per hit. */
const HIT = `
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + window - now)
end
redis.call('ZADD', KEYS[1], now, now .. ':' .. ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return 0`;

/**
 * Limits shared by every instance. If Redis cannot answer, the instance falls back to counting locally
 * (each instance then allows the limit on its own) rather than refusing or waving everything through.
 */
export class RedisRateLimitStore extends RateLimitStore {
  private readonly logger = new Logger('RateLimit');
  private readonly fallback = new InMemoryRateLimitStore();
  private sequence = 0;
  private degraded = false;
  private readonly hitScript: RedisScript;

  constructor(
    redis: Redis,
    private readonly prefix = 'parley',
  ) {
    super();
    this.hitScript = redisScript(redis, 'parleyRateLimitHit', HIT, 1);
  }

  async hit(key: string, limit: number, windowMs: number): Promise<RateLimitDecision> {
    try {
      const unique = `${process.pid}:${++this.sequence}:${Math.random().toString(36).slice(2, 8)}`;
      const retryAfterMs = Number(await this.hitScript(`${this.prefix}:rate:${key}`, String(windowMs), String(limit), unique));
      if (this.degraded) {
        this.degraded = false;
        this.logger.log('Shared rate limits restored');
      }
      return { allowed: retryAfterMs === 0, retryAfterMs };
    } catch (error) {
      if (!this.degraded) {
        this.degraded = true;
        this.logger.warn(`Redis unavailable for rate limits, counting locally: ${String(error)}`);
      }
      return this.fallback.hit(key, limit, windowMs);
    }
  }
}
