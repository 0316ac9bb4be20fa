import { Logger } from '@nestjs/common';
import { redisScript, TurnCoalescer, type RedisScript } from '@parley/redis';
import type { Redis } from 'ioredis';
import { InMemoryRateLimitStore, RateLimitStore, type RateLimitDecision } from './rate-limit';

/**
 * Sliding-window logs in sorted sets, in Redis time. KEYS[i] is hit i's log, with ARGV[3i-2..3i] its window,
 * limit and a unique member; the hits are counted in order (two hits on one key in one call see each
 * other). Returns, per hit, 0 when allowed or the milliseconds until the next hit would be.
 */
const HIT_MANY = `
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local results = {}
for i = 1, #KEYS do
  local key = KEYS[i]
  local window = tonumber(ARGV[3 * i - 2])
  local limit = tonumber(ARGV[3 * i - 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if redis.call('ZCARD', key) >= limit then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    results[i] = math.max(1, tonumber(oldest[2]) + window - now)
  else
    redis.call('ZADD', key, now, now .. ':' .. ARGV[3 * i])
    redis.call('PEXPIRE', key, window)
    results[i] = 0
  end
end
return results`;

interface Hit {
  key: string;
  limit: number;
  windowMs: number;
}

/**
 * Limits shared by every instance. The hits of one event-loop turn (the sends read in that turn, from any
 * socket) go to Redis as one script call. If Redis cannot answer, the instance falls back to counting
 * locally (each instance then allows the limit on its own) rather than refusing or waving everything through.
 *
 * One call touches several keys: right for one Redis server (what Parley connects to), not for a Redis
 * Cluster, whose scripts must keep to one hash slot.
 */
export class RedisRateLimitStore extends RateLimitStore {
  private readonly logger = new Logger('RateLimit');
  private readonly fallback = new InMemoryRateLimitStore();
  private sequence = 0;
  private degraded = false;
  private readonly hitMany: RedisScript;
  private readonly hits: TurnCoalescer<Hit, number>;

  constructor(
    redis: Redis,
    private readonly prefix = 'parley',
  ) {
    super();
    this.hitMany = redisScript(redis, 'parleyRateLimitHitMany', HIT_MANY);
    this.hits = new TurnCoalescer((hits) => this.send(hits));
  }

  async hit(key: string, limit: number, windowMs: number): Promise<RateLimitDecision> {
    try {
      const retryAfterMs = await this.hits.submit({ key: `${this.prefix}:rate:${key}`, limit, windowMs });
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

  private async send(hits: readonly Hit[]): Promise<number[]> {
    const args: string[] = [String(hits.length), ...hits.map((hit) => hit.key)];
    for (const { limit, windowMs } of hits) {
      args.push(String(windowMs), String(limit), `${process.pid}:${++this.sequence}:${Math.random().toString(36).slice(2, 8)}`);
    }
    const results = await this.hitMany(...args);
    if (!Array.isArray(results)) throw new Error('unexpected rate-limit script reply');
    return results.map(Number);
  }
}
