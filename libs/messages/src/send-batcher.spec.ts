import { SendBatcher, type BatcherOptions } from './send-batcher';
import { deferred, type Deferred } from '../../../test/support/unit';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A write that records its batches and completes each when the test says so. */
function controlledWrite(): { batches: number[][]; finish: (index: number) => void; write: (items: readonly number[]) => Promise<number[]> } {
  const batches: number[][] = [];
  const pending: Array<Deferred<number[]>> = [];
  return {
    batches,
    finish: (index) => pending[index]?.resolve((batches[index] ?? []).map((item) => item * 10)),
    write: (items) => {
      batches.push([...items]);
      const done = deferred<number[]>();
      pending.push(done);
      return done.promise;
    },
  };
}

const options = (overrides: Partial<BatcherOptions> = {}): BatcherOptions => ({ maxBatch: 100, lingerMs: 0, fullBatch: 16, ...overrides });

describe('SendBatcher', () => {
  it('writes what arrives in one turn as one batch, and each caller gets its own result in order', async () => {
    const write = jest.fn((items: readonly number[]) => Promise.resolve(items.map((item) => item * 10)));
    const batcher = new SendBatcher(write, options());
    const order: number[] = [];
    const results = await Promise.all([1, 2, 3].map((item) => batcher.submit(item).then((result) => (order.push(item), result))));
    expect(results).toEqual([10, 20, 30]);
    expect(order).toEqual([1, 2, 3]);
    expect(write.mock.calls).toEqual([[[1, 2, 3]]]);
  });

  it('keeps one batch in flight: what arrives meanwhile goes together in the next, as soon as the first is done', async () => {
    const { batches, finish, write } = controlledWrite();
    const batcher = new SendBatcher(write, options());
    const first = batcher.submit(1);
    await nextTurn();
    expect(batches).toEqual([[1]]);
    const later = [batcher.submit(2), batcher.submit(3)];
    await nextTurn();
    await nextTurn();
    expect(batches).toEqual([[1]]);
    expect(batcher.busy).toBe(true);
    expect(batcher.queued).toBe(2);
    finish(0);
    expect(await first).toBe(10);
    await nextTurn();
    expect(batches).toEqual([[1], [2, 3]]);
    finish(1);
    expect(await Promise.all(later)).toEqual([20, 30]);
  });

  it('splits a long queue at maxBatch', async () => {
    const write = jest.fn((items: readonly number[]) => Promise.resolve([...items]));
    const batcher = new SendBatcher(write, options({ maxBatch: 2 }));
    await Promise.all([1, 2, 3, 4, 5].map((item) => batcher.submit(item)));
    expect(write.mock.calls.map(([items]) => items)).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('fails every item of a batch whose write fails, and goes on with the next batch', async () => {
    let calls = 0;
    const batcher = new SendBatcher((items: readonly number[]) => (++calls === 1 ? Promise.reject(new Error('down')) : Promise.resolve([...items])), options());
    const failed = await Promise.allSettled([batcher.submit(1), batcher.submit(2)]);
    expect(failed.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect(await batcher.submit(3)).toBe(3);
  });

  it('fails the batch when the write returns a result per item too few', async () => {
    const batcher = new SendBatcher(() => Promise.resolve([1]), options());
    const results = await Promise.allSettled([batcher.submit(1), batcher.submit(2)]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
  });

  describe('lingering', () => {
    beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate'] }));
    afterEach(() => jest.useRealTimers());

    it('writes a lone send at once, however long lingerMs is', async () => {
      const { batches, write } = controlledWrite();
      const batcher = new SendBatcher(write, options({ lingerMs: 50 }));
      void batcher.submit(1);
      await nextTurn();
      expect(batches).toEqual([[1]]);
    });

    it('in a stream of sends, waits up to lingerMs after the batch before for others to share the commit', async () => {
      const { batches, finish, write } = controlledWrite();
      const batcher = new SendBatcher(write, options({ lingerMs: 5 }));
      void batcher.submit(1);
      await nextTurn();
      expect(batches).toEqual([[1]]);
      finish(0);
      await nextTurn();
      // The stream goes on: the next send waits for company, up to 5 ms from its arrival.
      void batcher.submit(2);
      await nextTurn();
      expect(batches).toEqual([[1]]);
      void batcher.submit(3);
      await jest.advanceTimersByTimeAsync(4);
      expect(batches).toEqual([[1]]);
      await jest.advanceTimersByTimeAsync(2);
      expect(batches).toEqual([[1], [2, 3]]);
    });

    it('does not linger once fullBatch sends are queued', async () => {
      const { batches, finish, write } = controlledWrite();
      const batcher = new SendBatcher(write, options({ lingerMs: 1000, fullBatch: 3 }));
      void batcher.submit(1);
      await nextTurn();
      finish(0);
      await nextTurn();
      for (const item of [2, 3, 4]) void batcher.submit(item);
      await nextTurn();
      expect(batches).toEqual([[1], [2, 3, 4]]);
    });

    it('flush writes what lingers at once and resolves when everything is written', async () => {
      const write = jest.fn((items: readonly number[]) => Promise.resolve([...items]));
      const batcher = new SendBatcher(write, options({ lingerMs: 1000 }));
      await batcher.submit(1);
      const results = [batcher.submit(2), batcher.submit(3)];
      await batcher.flush();
      expect(await Promise.all(results)).toEqual([2, 3]);
      expect(write.mock.calls.map(([items]) => items)).toEqual([[1], [2, 3]]);
      expect(batcher.queued).toBe(0);
      await expect(batcher.flush()).resolves.toBeUndefined();
    });
  });

  it('refuses options that cannot work', () => {
    const write = (): Promise<never[]> => Promise.resolve([]);
    expect(() => new SendBatcher(write, options({ maxBatch: 0 }))).toThrow();
    expect(() => new SendBatcher(write, options({ fullBatch: 0 }))).toThrow();
    expect(() => new SendBatcher(write, options({ lingerMs: -1 }))).toThrow();
  });
});
