interface Pending<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Calls made within one turn of the event loop run as one call, at the end of the turn (`setImmediate`),
 * which is when ioredis's auto-pipelining would have written them anyway. The send path makes a few Redis
 * calls per message: the sends read in one turn (from any sockets) share one rate-limit call, and a batch
 * of messages, which settles in one turn, shares one publish call. n commands become one, and ioredis
 * spends about as much CPU on each command as Redis does.
 */
export class TurnCoalescer<T, R> {
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
      if (this.pending.length === 0) setImmediate(() => this.flush());
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
