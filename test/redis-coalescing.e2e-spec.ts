import { RedisRateLimitStore } from '@parley/common';
import { RedisConnections } from '@parley/redis';
import { randomUUID } from 'node:crypto';

/** The send path's coalesced Redis calls (publishes, rate-limit hits), against the real test Redis. */
describe('coalesced Redis calls', () => {
  const prefix = `coalesce-${randomUUID().slice(0, 8)}`;
  let redis: RedisConnections;

  beforeAll(async () => {
    redis = new RedisConnections(process.env.PARLEY_TEST_REDIS_URL as string, prefix, prefix);
    expect(await redis.connect(5000)).toBe(true);
  });

  afterAll(() => redis.close());

  it('publishes every payload of a turn on all its channels, in order', async () => {
    const channels = ['a', 'b', 'c'].map((name) => `${prefix}:${name}`);
    const received: string[] = [];
    redis.subscriber.on('message', (channel: string, payload: string) => received.push(`${channel.slice(-1)}:${payload}`));
    await redis.subscriber.subscribe(...channels);
    const [a, b, c] = channels as [string, string, string];
    // One turn: one script call with three groups.
    await Promise.all([redis.publisher.publish([a], '1'), redis.publisher.publish([b, c], '2'), redis.publisher.publish([a, b, c], '3')]);
    // A lone publish on one channel (a plain PUBLISH), and one with no channel (nothing to do).
    await redis.publisher.publish([c], '4');
    await redis.publisher.publish([], '5');
    await waitFor(() => received.length >= 7);
    expect(received).toEqual(['a:1', 'b:2', 'c:2', 'a:3', 'b:3', 'c:3', 'c:4']);
  });

  it('counts the hits of one turn in order: exactly the limit is allowed, on any number of keys', async () => {
    const store = new RedisRateLimitStore(redis.sendPath, prefix);
    const decisions = await Promise.all([
      ...Array.from({ length: 5 }, () => store.hit('one', 3, 10_000)),
      ...Array.from({ length: 2 }, () => store.hit('two', 3, 10_000)),
    ]);
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, false, false, true, true]);
    for (const refused of decisions.slice(3, 5)) expect(refused.retryAfterMs).toBeGreaterThan(9_000);
    // The next turn sees the earlier hits.
    expect((await store.hit('two', 3, 10_000)).allowed).toBe(true);
    expect((await store.hit('two', 3, 10_000)).allowed).toBe(false);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
