/** Writes a batch; one result per item, in input order. A rejection fails every item of the batch. */
export type BatchWrite<T, R> = (items: readonly T[]) => Promise<readonly R[]>;

interface Entry<T, R> {
  item: T;
  queuedAt: number;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

export interface BatcherOptions {
  /** Most items one batch takes; the rest wait for the next. */
  maxBatch: number;
  /**
   * How long the oldest queued item may wait for others to join it when fewer than `fullBatch` are queued
   * (0: never). A batch costs the database mostly per commit, so under steady load a short wait buys fewer,
   * bigger commits; the wait only happens while items keep coming (see `next`).
   */
  lingerMs: number;
  /** Queued items that start a batch at once, without lingering. */
  fullBatch: number;
}

/**
 * Group commit with one batch in flight: items submitted while a batch is being written go together in the
 * next one. A batch starts when none is being written and either `fullBatch` items are queued or the oldest
 * has lingered `lingerMs`; an idle batcher with nothing arriving lately writes on the next turn of the event
 * loop (a burst read in one I/O turn goes together, and a lone send does not wait). Each item's promise
 * settles with its own result, in input order, once its batch has been written.
 */
export class SendBatcher<T, R> {
  private queue: Array<Entry<T, R>> = [];
  private writing = false;
  private scheduled = false;
  private lingerTimer: NodeJS.Timeout | undefined;
  /** When the last batch started: items arriving within `lingerMs` of it are part of a stream worth batching. */
  private lastStartedAt = -Infinity;
  private readonly idle = new Set<() => void>();

  constructor(
    private readonly write: BatchWrite<T, R>,
    private readonly options: BatcherOptions,
  ) {
    if (options.maxBatch < 1 || options.fullBatch < 1 || options.lingerMs < 0) throw new Error('invalid batcher options');
  }

  /** Items waiting for a batch. */
  get queued(): number {
    return this.queue.length;
  }

  /** Whether a batch is being written now. */
  get busy(): boolean {
    return this.writing;
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, queuedAt: performance.now(), resolve, reject });
      if (this.writing || this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.next();
      });
    });
  }

  /** Resolves once nothing is queued or being written (shutdown: everything accepted has its result). */
  flush(): Promise<void> {
    this.options.lingerMs = 0;
    this.next();
    if (this.queue.length === 0 && !this.writing) return Promise.resolve();
    return new Promise<void>((resolve) => this.idle.add(resolve));
  }

  private next(): void {
    if (this.writing) return;
    const head = this.queue[0];
    if (!head) {
      for (const resolve of this.idle) resolve();
      this.idle.clear();
      return;
    }
    const { maxBatch, lingerMs, fullBatch } = this.options;
    const now = performance.now();
    // Linger only in a stream of sends (the previous batch started lately): a lone send goes at once.
    const waitUntil = head.queuedAt + lingerMs;
    if (this.queue.length < fullBatch && now < waitUntil && head.queuedAt - this.lastStartedAt < lingerMs * 4) {
      this.lingerTimer ??= setTimeout(() => {
        this.lingerTimer = undefined;
        this.next();
      }, waitUntil - now);
      return;
    }
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    this.lastStartedAt = now;
    const entries = this.queue.splice(0, maxBatch);
    this.writing = true;
    void this.run(entries).finally(() => {
      this.writing = false;
      this.next();
    });
  }

  private async run(entries: Array<Entry<T, R>>): Promise<void> {
    let results: readonly R[];
    try {
      results = await this.write(entries.map((entry) => entry.item));
      if (results.length !== entries.length) throw new Error(`batch write returned ${results.length} results for ${entries.length} items`);
    } catch (error) {
      for (const entry of entries) entry.reject(error);
      return;
    }
    // Settled in input order, so the callers' continuations run in that order too.
    entries.forEach((entry, i) => entry.resolve(results[i] as R));
  }
}
