import { InMemoryRateLimitStore } from './rate-limit';

describe('InMemoryRateLimitStore', () => {
  let store: InMemoryRateLimitStore;

  beforeEach(() => {
    store = new InMemoryRateLimitStore();
  });

  it('allows up to the limit within the window', async () => {
    for (let i = 0; i < 3; i++) {
      await expect(store.hit('k', 3, 1000, 1000 + i * 10)).resolves.toEqual({ allowed: true, retryAfterMs: 0 });
    }
  });

  it('refuses the hit after the limit with the time until the oldest hit leaves the window', async () => {
    await store.hit('k', 3, 1000, 0);
    await store.hit('k', 3, 1000, 100);
    await store.hit('k', 3, 1000, 200);
    await expect(store.hit('k', 3, 1000, 250)).resolves.toEqual({ allowed: false, retryAfterMs: 750 });
    await expect(store.hit('k', 3, 1000, 999)).resolves.toEqual({ allowed: false, retryAfterMs: 1 });
  });

  it('frees a slot exactly when the oldest hit is a full window old (sliding, not fixed)', async () => {
    await store.hit('k', 2, 1000, 0);
    await store.hit('k', 2, 1000, 600);
    expect((await store.hit('k', 2, 1000, 999)).allowed).toBe(false);
    expect((await store.hit('k', 2, 1000, 1000)).allowed).toBe(true);
    // The window now holds 600 and 1000: full again until 600 leaves it.
    await expect(store.hit('k', 2, 1000, 1001)).resolves.toEqual({ allowed: false, retryAfterMs: 599 });
    expect((await store.hit('k', 2, 1000, 1600)).allowed).toBe(true);
  });

  it('does not count refused hits', async () => {
    await store.hit('k', 1, 1000, 0);
    for (let at = 1; at < 1000; at += 100) expect((await store.hit('k', 1, 1000, at)).allowed).toBe(false);
    // Had the refusals been recorded, the window would still be full.
    expect((await store.hit('k', 1, 1000, 1000)).allowed).toBe(true);
  });

  it('is fully available again after a window of silence', async () => {
    for (let i = 0; i < 5; i++) await store.hit('k', 5, 1000, i);
    expect((await store.hit('k', 5, 1000, 10)).allowed).toBe(false);
    for (let i = 0; i < 5; i++) expect((await store.hit('k', 5, 1000, 5000 + i)).allowed).toBe(true);
    expect((await store.hit('k', 5, 1000, 5005)).allowed).toBe(false);
  });

  it('keeps keys independent', async () => {
    await store.hit('a', 1, 1000, 0);
    expect((await store.hit('a', 1, 1000, 1)).allowed).toBe(false);
    expect((await store.hit('b', 1, 1000, 1)).allowed).toBe(true);
    expect((await store.hit('b', 1, 1000, 2)).allowed).toBe(false);
  });

  it('uses the current time by default', async () => {
    await store.hit('k', 1, 60_000);
    const refused = await store.hit('k', 1, 60_000);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBeGreaterThan(59_000);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  describe('sweep (every 1000 hits)', () => {
    /** Makes `count` hits on distinct throwaway keys at `now`. */
    async function noise(count: number, now: number, windowMs = 1000): Promise<void> {
      for (let i = 0; i < count; i++) await store.hit(`noise-${now}-${i}`, 10, windowMs, now);
    }

    it('keeps keys that still have hits inside the window', async () => {
      await store.hit('busy', 2, 1000, 0);
      await store.hit('busy', 2, 1000, 500);
      await noise(1000, 600); // crosses the 1000th hit, triggering a sweep at t=600
      const decision = await store.hit('busy', 2, 1000, 700);
      expect(decision).toEqual({ allowed: false, retryAfterMs: 300 });
    });

    it('sweeps each key against its own window, not the window of the hit that triggered the sweep', async () => {
      await store.hit('login-from-ip', 1, 60_000, 0);
      await noise(1000, 20_000, 10_000); // short-window traffic triggers the sweep at t=20s
      expect((await store.hit('login-from-ip', 1, 60_000, 20_001)).allowed).toBe(false);
    });

    it('lets idle keys start afresh after being swept', async () => {
      await store.hit('idle', 1, 1000, 0);
      await noise(1000, 5000);
      expect((await store.hit('idle', 1, 1000, 5001)).allowed).toBe(true);
      expect((await store.hit('idle', 1, 1000, 5002)).allowed).toBe(false);
    });

    it('drops idle keys from memory', async () => {
      const hits = (store as unknown as { hits: Map<string, unknown> }).hits;
      await noise(999, 0); // 999 keys with one hit each at t=0
      expect(hits.size).toBe(999);
      await store.hit('late', 10, 1000, 5000); // 1000th hit: sweeps every key idle since t=4000
      expect([...hits.keys()]).toEqual(['late']);
    });
  });
});
