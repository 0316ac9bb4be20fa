export interface SendBatcherOptions {
  /** Most items one flush takes; the rest wait for the next one. */
  maxBatch: number;
  /** Longest an item waits for a slot to open while other batches are being written. */
  maxWaitMs: number;
  /** Most flushes running at once. */
  maxConcurrentBatches: number;
}

/** Writes a batch; one settled result per item, in input order. A rejection fails every item of the batch. */
export type BatchFlush<T, R> = (items: readonly T[]) => Promise<ReadonlyArray<PromiseSettledResult<R>>>;

interface Entry<T, R> {
  item: T;
  queuedAt: number;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: items submitted while batches are being written share the next batch. When nothing is being
 * written the queue is flushed on the next turn of the event loop (so a burst read in one I/O turn goes
 * together), which keeps latency at low load. Otherwise items wait for a batch to finish, and a further batch
 * is started (up to `maxConcurrentBatches`) only when `maxBatch` items are waiting or the oldest has waited
 * `maxWaitMs`: a slow batch (a contended room lock, a slow commit) does not hold everyone else back for long.
 * Each item's promise settles with its own result once its batch has been written.
 */
export class SendBatcher<T, R> {
  private queue: Array<Entry<T, R>> = [];
  private running = 0;
  private readonly idle = new Set<() => void>();
  private immediate: NodeJS.Immediate | undefined;
  private timer: NodeJS.Timeout | undefined;
  private timerHead: Entry<T, R> | undefined;

  constructor(
    private readonly flushBatch: BatchFlush<T, R>,
    private readonly options: SendBatcherOptions,
  ) {
    if (options.maxBatch < 1 || options.maxConcurrentBatches < 1 || options.maxWaitMs < 0) throw new Error('invalid batcher options');
  }

  /** Items queued and not yet handed to a flush. */
  get queued(): number {
    return this.queue.length;
  }

  /** Flushes running now. */
  get inFlight(): number {
    return this.running;
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, queuedAt: performance.now(), resolve, reject });
      this.schedule();
    });
  }

  /**
   * Starts batches for the queued items now, ignoring the wait (still within the concurrency cap; what does
   * not fit follows as batches finish). Resolves once nothing is queued or being written.
   */
  flush(): Promise<void> {
    while (this.queue.length > 0 && this.running < this.options.maxConcurrentBatches) this.startBatch();
    this.rearm();
    if (this.queue.length === 0 && this.running === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.idle.add(resolve));
  }

  /**
   * Decides, after a submit, a finished batch or the wait timer, whether a batch starts now, on the next turn,
   * or later. `due`: a slot is free for the head whatever it waited (a finished batch's slot goes to whatever
   * queued while it was written: the natural group commit).
   */
  private schedule(due = false): void {
    const { maxBatch, maxWaitMs, maxConcurrentBatches } = this.options;
    if (due && this.queue.length > 0) this.startBatch();
    while (this.queue.length > 0 && this.running < maxConcurrentBatches) {
      const head = this.queue[0]!;
      // The wait only counts behind running batches: an idle batcher takes the whole turn's sends together on
      // the next turn, however long the turn (a slow turn must not split a burst).
      const overdue = this.running > 0 && performance.now() - head.queuedAt >= maxWaitMs;
      if (this.queue.length >= maxBatch || overdue) this.startBatch();
      else break;
    }
    if (this.queue.length > 0 && this.running === 0) {
      this.immediate ??= setImmediate(() => {
        this.immediate = undefined;
        if (this.running === 0 && this.queue.length > 0) this.startBatch();
        this.rearm();
      });
    }
    this.rearm();
  }

  /**
   * Keeps one timer, for the oldest queued item's deadline, while items wait on running batches and a slot is
   * free (with every slot taken only a finishing batch can start the next one). Left alone while the head is
   * unchanged, so a burst of submits costs no timer churn.
   */
  private rearm(): void {
    // The next-turn flush is only for an idle batcher with something queued.
    if (this.immediate !== undefined && (this.queue.length === 0 || this.running > 0)) {
      clearImmediate(this.immediate);
      this.immediate = undefined;
    }
    const head = this.queue[0];
    const wanted = head !== undefined && this.running > 0 && this.running < this.options.maxConcurrentBatches ? head : undefined;
    if (wanted === this.timerHead) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerHead = wanted;
    if (!wanted) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerHead = undefined;
        // The head's wait is up (timers may fire a fraction of a millisecond early: do not re-check the clock).
        this.schedule(this.running < this.options.maxConcurrentBatches);
      },
      Math.max(0, wanted.queuedAt + this.options.maxWaitMs - performance.now()),
    );
  }

  private startBatch(): void {
    const entries = this.queue.splice(0, this.options.maxBatch);
    this.running += 1;
    void this.run(entries).finally(() => {
      this.running -= 1;
      this.schedule(true);
      if (this.queue.length === 0 && this.running === 0) {
        for (const resolve of this.idle) resolve();
        this.idle.clear();
      }
    });
  }

  private async run(entries: Array<Entry<T, R>>): Promise<void> {
    let results: ReadonlyArray<PromiseSettledResult<R>>;
    try {
      results = await this.flushBatch(entries.map((entry) => entry.item));
      if (results.length !== entries.length) throw new Error(`batch flush returned ${results.length} results for ${entries.length} items`);
    } catch (error) {
      for (const entry of entries) entry.reject(error);
      return;
    }
    // Settled in input order, so the callers' continuations run in that order too.
    entries.forEach((entry, i) => {
      const result = results[i]!;
      if (result.status === 'fulfilled') entry.resolve(result.value);
      else entry.reject(result.reason);
    });
  }
}
