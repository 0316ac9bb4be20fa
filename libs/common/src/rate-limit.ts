import { Injectable } from '@nestjs/common';

export interface RateLimitDecision {
  allowed: boolean;
  /** When refused: milliseconds until the next hit would be allowed. */
  retryAfterMs: number;
}

/** Counts hits per key in a sliding window. Redis-backed in a cluster, in-memory on one instance. */
export abstract class RateLimitStore {
  abstract hit(key: string, limit: number, windowMs: number): Promise<RateLimitDecision>;
}

/** Sliding-window log kept in memory; fine for one instance, wrong for several (use the Redis store). */
@Injectable()
export class InMemoryRateLimitStore extends RateLimitStore {
  private readonly hits = new Map<string, number[]>();
  private sweeps = 0;

  hit(key: string, limit: number, windowMs: number, now = Date.now()): Promise<RateLimitDecision> {
    const since = now - windowMs;
    const recent = (this.hits.get(key) ?? []).filter((at) => at > since);
    if (++this.sweeps % 1000 === 0) this.sweep(since);
    if (recent.length >= limit) {
      this.hits.set(key, recent);
      const oldest = recent[0] ?? now;
      return Promise.resolve({ allowed: false, retryAfterMs: Math.max(1, oldest + windowMs - now) });
    }
    recent.push(now);
    this.hits.set(key, recent);
    return Promise.resolve({ allowed: true, retryAfterMs: 0 });
  }

  /** Drops keys whose hits all fell out of the window, so idle users cost nothing. */
  private sweep(since: number): void {
    for (const [key, times] of this.hits) {
      if ((times[times.length - 1] ?? 0) <= since) this.hits.delete(key);
    }
  }
}
