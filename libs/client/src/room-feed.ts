import type { Message } from '@parley/contract';

/**
 * Per-room delivery state of the SDK: the application sees every committed message exactly once, in seq
 * order. `lastSeq` is the highest seq delivered with no hole below it. Messages ahead of it are held until
 * the hole is filled (live, by catch-up or by a REST page); duplicates (same seq) are dropped.
 */
export class RoomFeed {
  private readonly held = new Map<number, Message>();

  constructor(public lastSeq = 0) {}

  /** Accepts messages from any source; returns the ones that can be delivered now, in order. */
  accept(messages: Iterable<Message>): Message[] {
    for (const message of messages) {
      if (message.seq > this.lastSeq && !this.held.has(message.seq)) this.held.set(message.seq, message);
    }
    const ready: Message[] = [];
    for (let next = this.held.get(this.lastSeq + 1); next; next = this.held.get(this.lastSeq + 1)) {
      this.held.delete(next.seq);
      this.lastSeq = next.seq;
      ready.push(next);
    }
    return ready;
  }

  /** True when messages wait behind a hole (the caller should fetch what is missing). */
  get hasGap(): boolean {
    return this.held.size > 0;
  }

  get heldCount(): number {
    return this.held.size;
  }
}
