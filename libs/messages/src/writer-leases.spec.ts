import { randomUUID } from 'node:crypto';
import { LocalWriterLeases, shardOf } from './writer-leases';

describe('shardOf', () => {
  it('spreads room ids over the shards by their first 32 bits, the same way everywhere', () => {
    expect(shardOf('00000000-0000-4000-8000-000000000000', 4)).toBe(0);
    expect(shardOf('00000007-0000-4000-8000-000000000000', 4)).toBe(3);
    expect(shardOf('ffffffff-0000-4000-8000-000000000000', 1)).toBe(0);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[shardOf(randomUUID(), 4)]! += 1;
    for (const count of counts) expect(count).toBeGreaterThan(800);
  });

  it('puts anything that is not a UUID in shard 0', () => {
    expect(shardOf('not-a-uuid', 8)).toBe(0);
  });
});

describe('LocalWriterLeases (one instance)', () => {
  it('makes this instance the writer of every shard', async () => {
    const leases = new LocalWriterLeases('solo');
    expect([await leases.holder(3), await leases.acquire(3, 'someone')]).toEqual(['solo', 'solo']);
    expect(await leases.renew([1, 2])).toEqual([]);
    await expect(leases.release([1])).resolves.toBeUndefined();
  });
});
