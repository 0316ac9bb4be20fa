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
  /** Hit times per key, with the window they are counted in (keys of different limits share the store). */
  private readonly hits = new Map<string, { times: number[]; windowMs: number }>();
  private sweeps = 0;

  hit(key: string, limit: number, windowMs: number, now = Date.now()): Promise<RateLimitDecision> {
    const recent = (this.hits.get(key)?.times ?? []).filter((at) => at > now - windowMs);
    if (++this.sweeps % 1000 === 0) this.sweep(now);
    if (recent.length >= limit) {
      this.hits.set(key, { times: recent, windowMs });
      const oldest = recent[0] ?? now;
      return Promise.resolve({ allowed: false, retryAfterMs: Math.max(1, oldest + windowMs - now) });
    }
    recent.push(now);
    this.hits.set(key, { times: recent, windowMs });
    return Promise.resolve({ allowed: true, retryAfterMs: 0 });
  }

  /** Drops keys whose hits all fell out of their own window, so idle clients cost nothing. */
  private sweep(now: number): void {
    for (const [key, entry] of this.hits) {
      if ((entry.times[entry.times.length - 1] ?? 0) <= now - entry.windowMs) this.hits.delete(key);
    }
  }
}
