import { SendBatcher, type SendBatcherOptions } from './send-batcher';

interface Call {
  items: readonly number[];
  /** Settles every item with item * 10, or as given. */
  finish: (results?: Array<PromiseSettledResult<number>>) => void;
  fail: (error: unknown) => void;
}

/** A batcher over a fake flush whose batches stay open until the test finishes them. */
function makeBatcher(options: Partial<SendBatcherOptions> = {}) {
  const calls: Call[] = [];
  const flush = jest.fn((items: readonly number[]) => {
    return new Promise<ReadonlyArray<PromiseSettledResult<number>>>((resolve, reject) => {
      calls.push({
        items,
        finish: (results) => resolve(results ?? items.map((item) => ({ status: 'fulfilled', value: item * 10 }))),
        fail: reject,
      });
    });
  });
  const batcher = new SendBatcher<number, number>(flush, { maxBatch: 4, maxWaitMs: 2, maxConcurrentBatches: 2, ...options });
  return { batcher, calls, flush };
}

/** Lets promise continuations run (no timers move). */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

/** Runs what is due now: continuations and the next-turn flush (setImmediate), not the wait timer. */
const nextTurn = (): Promise<void> => jest.advanceTimersByTimeAsync(0);

function outcome<T>(promise: Promise<T>): { value?: T; error?: unknown; settled: () => boolean } {
  const state: { value?: T; error?: unknown; done: boolean } = { done: false };
  promise.then(
    (value) => Object.assign(state, { value, done: true }),
    (error: unknown) => Object.assign(state, { error, done: true }),
  );
  return {
    get value() {
      return state.value;
    },
    get error() {
      return state.error;
    },
    settled: () => state.done,
  };
}

describe('SendBatcher', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('an idle batcher takes a slow turn\'s sends together on the next turn, whatever the wait', async () => {
    const { batcher, calls } = makeBatcher({ maxConcurrentBatches: 1 });
    const now = jest.spyOn(performance, 'now').mockReturnValue(1000);
    const first = outcome(batcher.submit(1));
    now.mockReturnValue(1010); // the turn went on for 10 ms, past maxWaitMs, before the next send
    const second = outcome(batcher.submit(2));
    const third = outcome(batcher.submit(3));
    expect(calls).toHaveLength(0);
    now.mockRestore();
    await nextTurn();
    expect(calls.map((call) => call.items)).toEqual([[1, 2, 3]]);
    calls[0]!.finish();
    await settle();
    expect([first.value, second.value, third.value]).toEqual([10, 20, 30]);
  });

  it('rejects nonsensical options', () => {
    expect(() => new SendBatcher(jest.fn(), { maxBatch: 0, maxWaitMs: 2, maxConcurrentBatches: 1 })).toThrow('invalid batcher options');
    expect(() => new SendBatcher(jest.fn(), { maxBatch: 1, maxWaitMs: 2, maxConcurrentBatches: 0 })).toThrow('invalid batcher options');
    expect(() => new SendBatcher(jest.fn(), { maxBatch: 1, maxWaitMs: -1, maxConcurrentBatches: 1 })).toThrow('invalid batcher options');
  });

  it('when idle, flushes on the next turn what was submitted in this one, and resolves each item with its own result', async () => {
    const { batcher, calls } = makeBatcher();
    const first = outcome(batcher.submit(1));
    const second = outcome(batcher.submit(2));
    await settle();
    expect(calls).toHaveLength(0); // not before the turn ends
    expect(batcher.queued).toBe(2);
    await nextTurn();
    expect(calls.map((call) => call.items)).toEqual([[1, 2]]);
    expect(batcher.inFlight).toBe(1);
    expect(first.settled()).toBe(false); // only after the batch is written
    calls[0]!.finish();
    await settle();
    expect([first.value, second.value]).toEqual([10, 20]);
    expect(batcher.inFlight).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('queues what arrives while a batch is written and sends it as one batch when that one finishes', async () => {
    const { batcher, calls } = makeBatcher({ maxWaitMs: 1000 });
    const results = [outcome(batcher.submit(1))];
    await nextTurn();
    for (const item of [2, 3, 4]) results.push(outcome(batcher.submit(item)));
    await nextTurn();
    expect(calls).toHaveLength(1); // waiting for the first batch, not flushed on the next turn
    calls[0]!.finish();
    await settle();
    expect(calls.map((call) => call.items)).toEqual([[1], [2, 3, 4]]);
    calls[1]!.finish();
    await settle();
    expect(results.map((result) => result.value)).toEqual([10, 20, 30, 40]);
  });

  it('takes at most maxBatch items per batch, and starts another batch at once when maxBatch items wait', async () => {
    const { batcher, calls } = makeBatcher({ maxWaitMs: 1000 });
    void batcher.submit(0);
    await nextTurn();
    for (let item = 1; item <= 9; item++) void batcher.submit(item);
    // A full batch is waiting: it takes the second slot without waiting for the first batch or the timer.
    expect(calls.map((call) => call.items)).toEqual([[0], [1, 2, 3, 4]]);
    expect(batcher.queued).toBe(5);
    calls[0]!.finish();
    await settle();
    expect(calls.map((call) => call.items)).toEqual([[0], [1, 2, 3, 4], [5, 6, 7, 8]]);
    calls[1]!.finish();
    await settle();
    expect(calls[3]?.items).toEqual([9]);
  });

  it('starts another batch when the oldest queued item has waited maxWaitMs behind a running one', async () => {
    const { batcher, calls } = makeBatcher({ maxWaitMs: 5 });
    void batcher.submit(1);
    await nextTurn();
    void batcher.submit(2);
    await jest.advanceTimersByTimeAsync(3);
    void batcher.submit(3); // joins the waiting item; its own later deadline does not matter
    await jest.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(calls.map((call) => call.items)).toEqual([[1], [2, 3]]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('never runs more than maxConcurrentBatches at once, whatever waits; a finished batch lets the next start', async () => {
    const { batcher, calls } = makeBatcher({ maxConcurrentBatches: 2 });
    void batcher.submit(1);
    await nextTurn();
    for (let item = 2; item <= 5; item++) void batcher.submit(item); // full: second slot
    void batcher.submit(6);
    await jest.advanceTimersByTimeAsync(1000); // neither the wait nor the size opens a third slot
    for (let item = 7; item <= 12; item++) void batcher.submit(item);
    await jest.advanceTimersByTimeAsync(1000);
    expect(calls.map((call) => call.items)).toEqual([[1], [2, 3, 4, 5]]);
    expect(batcher.inFlight).toBe(2);
    expect(batcher.queued).toBe(7);
    expect(jest.getTimerCount()).toBe(0); // no timer while every slot is taken
    calls[1]!.finish();
    await settle();
    // The freed slot goes to the queue (one batch; the next full one would need another slot).
    expect(calls.map((call) => call.items)).toEqual([[1], [2, 3, 4, 5], [6, 7, 8, 9]]);
    expect(batcher.inFlight).toBe(2);
  });

  it('settles items one by one: a per-item error rejects only that item', async () => {
    const { batcher, calls } = makeBatcher();
    const ok = outcome(batcher.submit(1));
    const bad = outcome(batcher.submit(2));
    await nextTurn();
    const error = new Error('no');
    calls[0]!.finish([
      { status: 'fulfilled', value: 11 },
      { status: 'rejected', reason: error },
    ]);
    await settle();
    expect(ok.value).toBe(11);
    expect(bad.error).toBe(error);
  });

  it('rejects every item of a batch whose flush fails, and goes on with the next batch', async () => {
    const { batcher, calls } = makeBatcher();
    const a = outcome(batcher.submit(1));
    const b = outcome(batcher.submit(2));
    await nextTurn();
    const c = outcome(batcher.submit(3));
    const error = new Error('database gone');
    calls[0]!.fail(error);
    await settle();
    expect([a.error, b.error]).toEqual([error, error]);
    expect(c.settled()).toBe(false);
    expect(calls[1]?.items).toEqual([3]);
    calls[1]!.finish();
    await settle();
    expect(c.value).toBe(30);
  });

  it('rejects every item when the flush answers with the wrong number of results', async () => {
    const { batcher, calls } = makeBatcher();
    const a = outcome(batcher.submit(1));
    const b = outcome(batcher.submit(2));
    await nextTurn();
    calls[0]!.finish([{ status: 'fulfilled', value: 1 }]);
    await settle();
    expect(String(a.error)).toContain('batch flush returned 1 results for 2 items');
    expect(b.error).toBe(a.error);
  });

  it('rejects the items of a flush that throws synchronously', async () => {
    const error = new Error('sync');
    const batcher = new SendBatcher<number, number>(
      () => {
        throw error;
      },
      { maxBatch: 4, maxWaitMs: 2, maxConcurrentBatches: 1 },
    );
    const a = outcome(batcher.submit(1));
    await nextTurn();
    expect(a.error).toBe(error);
  });

  it('resolves the items of a batch in input order, so callers continue in that order', async () => {
    const { batcher, calls } = makeBatcher();
    const order: number[] = [];
    const done = [1, 2, 3].map((item) => batcher.submit(item).then((value) => order.push(value)));
    await nextTurn();
    calls[0]!.finish();
    await Promise.all(done);
    expect(order).toEqual([10, 20, 30]);
  });

  describe('flush', () => {
    it('resolves at once when nothing is queued or running', async () => {
      const { batcher } = makeBatcher();
      await expect(batcher.flush()).resolves.toBeUndefined();
    });

    it('sends queued items without waiting, and resolves once everything is written', async () => {
      const { batcher, calls } = makeBatcher({ maxWaitMs: 60_000, maxConcurrentBatches: 2 });
      void batcher.submit(1);
      const flushed = outcome(batcher.flush()); // does not wait for the next turn
      expect(calls.map((call) => call.items)).toEqual([[1]]);
      void batcher.submit(2);
      void batcher.submit(3);
      const again = outcome(batcher.flush()); // nor for the wait behind the running batch
      expect(calls.map((call) => call.items)).toEqual([[1], [2, 3]]);
      calls[0]!.finish();
      await settle();
      expect(flushed.settled()).toBe(false);
      calls[1]!.finish();
      await settle();
      expect(flushed.settled()).toBe(true);
      expect(again.settled()).toBe(true);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('sends what did not fit under the cap as batches finish', async () => {
      const { batcher, calls } = makeBatcher({ maxBatch: 2, maxConcurrentBatches: 1, maxWaitMs: 60_000 });
      for (let item = 1; item <= 5; item++) void batcher.submit(item);
      const flushed = outcome(batcher.flush());
      expect(calls.map((call) => call.items)).toEqual([[1, 2]]);
      calls[0]!.finish();
      await settle();
      calls[1]!.finish();
      await settle();
      expect(flushed.settled()).toBe(false);
      calls[2]!.finish();
      await settle();
      expect(calls.map((call) => call.items)).toEqual([[1, 2], [3, 4], [5]]);
      expect(flushed.settled()).toBe(true);
    });
  });
});
