import { RedisRateLimitStore } from '@parley/common';
import { RedisChannelBus, RedisConnections } from '@parley/redis';
import { RedisWriterLeases } from '../libs/messages/src/writer-leases';
import { randomUUID } from 'node:crypto';
import { eventually } from './support/client';

/** The send path's coalesced Redis calls (publishes, rate-limit hits), against the real test Redis. */
describe('coalesced Redis calls (channel bus, rate limits)', () => {
  const prefix = `coalesce-${randomUUID().slice(0, 8)}`;
  let redis: RedisConnections;

  beforeAll(async () => {
    redis = new RedisConnections(process.env.PARLEY_TEST_REDIS_URL as string, prefix, prefix);
    expect(await redis.connect(5000)).toBe(true);
  });

  afterAll(() => redis.close());

  it('the channel bus publishes every payload of a turn on all its channels, in order, and tells how many received each', async () => {
    const bus = new RedisChannelBus(redis);
    const channels = ['a', 'b', 'c'].map((name) => `${prefix}:${name}`);
    const received: string[] = [];
    for (const channel of channels) await bus.subscribe(channel, (payload, on) => received.push(`${on.slice(-1)}:${payload}`));
    const [a, b, c] = channels as [string, string, string];
    // One turn: one script call with three groups; each answers how many subscriptions got it.
    expect(await Promise.all([bus.publish([a], '1'), bus.publish([b, c], '2'), bus.publish([a, b, c], '3')])).toEqual([1, 2, 3]);
    // A lone publish on one channel (a plain PUBLISH), one nobody listens to, and one with no channel.
    expect(await bus.publish([c], '4')).toBe(1);
    expect(await bus.publish([`${prefix}:nobody`], '5')).toBe(0);
    expect(await bus.publish([], '6')).toBe(0);
    await eventually(() => received.length >= 7, 5000, 'the seven publishes');
    expect(received).toEqual(['a:1', 'b:2', 'c:2', 'a:3', 'b:3', 'c:3', 'c:4']);
    await bus.unsubscribe(b);
    expect(await bus.publish([b], '7')).toBe(0);
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

  it('writer leases: one holder per shard, taken over only from a named gone writer, renewed, released', async () => {
    const [a, b] = ['inst-a', 'inst-b'].map((id) => new RedisWriterLeases(redis.sendPath, prefix, id, 60_000)) as [RedisWriterLeases, RedisWriterLeases];
    expect(await a.holder(3)).toBeNull();
    expect(await a.acquire(3)).toBe('inst-a');
    expect(await b.acquire(3)).toBe('inst-a'); // held: b learns who to forward to
    expect(await b.holder(3)).toBe('inst-a');
    expect(await b.acquire(3, 'inst-x')).toBe('inst-a'); // replacing someone else does not count
    expect(await a.renew([3, 4])).toEqual([]); // 4 was free: renewing takes it (its epoch is still a's)
    expect(await b.holder(4)).toBe('inst-a');
    expect(await b.acquire(3, 'inst-a')).toBe('inst-b'); // a was found gone
    expect(await a.renew([3, 4])).toEqual([3]);
    await a.release([3, 4]); // releases only its own
    expect([await b.holder(3), await b.holder(4)]).toEqual(['inst-b', null]);
    await b.release([3]);
    expect(await a.holder(3)).toBeNull();
  });
});
