/**
 * Runs operations one after another per key (and concurrently across keys): a quick subscribe-then-
 * unsubscribe of the same channel can never be applied in the wrong order. A failing operation is
 * reported and does not block the ones queued after it.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly onError: (key: string, error: unknown) => void) {}

  run(key: string, operation: () => Promise<unknown>): Promise<void> {
    const next = (this.tails.get(key) ?? Promise.resolve()).then(operation).then(
      () => undefined,
      (error: unknown) => this.onError(key, error),
    );
    this.tails.set(key, next);
    void next.then(() => {
      if (this.tails.get(key) === next) this.tails.delete(key);
    });
    return next;
  }
}
