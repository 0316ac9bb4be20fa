interface Pending<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Calls made within one tick (the synchronous code and the microtasks it sets off) run as one call. The
 * send path makes a few Redis calls per message, and under load a whole batch of messages settles in one
 * tick: n commands then become one, and ioredis spends about as much CPU on each command as Redis does.
 * The flush runs on `process.nextTick`, after the microtasks already queued, so nothing waits for I/O.
 */
export class TickCoalescer<T, R> {
  private pending: Array<Pending<T, R>> = [];

  /**
   * @param run one result per item, in order; a rejection fails every item of the call.
   * @param maxItems items per call at most (a long burst is split, bounding one command's size).
   */
  constructor(
    private readonly run: (items: readonly T[]) => Promise<readonly R[]>,
    private readonly maxItems = 256,
  ) {
    if (maxItems < 1) throw new Error('maxItems must be at least 1');
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (this.pending.length === 0) process.nextTick(() => this.flush());
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.maxItems) this.flush();
    });
  }

  private flush(): void {
    const entries = this.pending;
    if (entries.length === 0) return;
    this.pending = [];
    const settle = (results: readonly R[]): void => {
      if (results.length !== entries.length) throw new Error(`${results.length} results for ${entries.length} items`);
      entries.forEach((entry, i) => entry.resolve(results[i] as R));
    };
    const fail = (error: unknown): void => {
      for (const entry of entries) entry.reject(error);
    };
    try {
      this.run(entries.map((entry) => entry.item))
        .then(settle)
        .catch(fail);
    } catch (error) {
      fail(error);
    }
  }
}
