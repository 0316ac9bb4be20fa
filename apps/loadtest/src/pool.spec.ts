import { mapLimit, withTimeout } from './pool';

describe('mapLimit', () => {
  it('keeps at most `limit` tasks in flight and returns results in order', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapLimit([5, 1, 4, 2, 3], 2, async (value, index) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((done) => setTimeout(done, value));
      inFlight--;
      return value * 10 + index;
    });
    expect(results).toEqual([50, 11, 42, 23, 34]);
    expect(most).toBe(2);
  });

  it('stops starting tasks after the first failure', async () => {
    const started: number[] = [];
    await expect(
      mapLimit([1, 2, 3, 4, 5], 1, (value) => {
        started.push(value);
        return value === 2 ? Promise.reject(new Error('boom')) : Promise.resolve(value);
      }),
    ).rejects.toThrow('boom');
    expect(started).toEqual([1, 2]);
  });

  it('handles an empty list', async () => {
    await expect(mapLimit([], 4, () => Promise.resolve(1))).resolves.toEqual([]);
  });
});

describe('withTimeout', () => {
  it('passes results and errors through, and gives up after the delay', async () => {
    await expect(withTimeout(Promise.resolve(3), 100, 'late')).resolves.toBe(3);
    await expect(withTimeout(Promise.reject(new Error('no')), 100, 'late')).rejects.toThrow('no');
    // A non-Error rejection (from code we do not control) still becomes an Error.
    const text = new Promise<never>((_, reject) => setTimeout(() => (reject as (reason: unknown) => void)('text'), 1));
    await expect(withTimeout(text, 100, 'late')).rejects.toThrow('text');
    await expect(withTimeout(new Promise(() => undefined), 10, 'late')).rejects.toThrow('late');
  });
});
