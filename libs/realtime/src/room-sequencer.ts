import type { Message } from '@parley/contract';

export interface SequencerOptions {
  /** How long to wait for a missing seq before reading it from the database. */
  gapWaitMs: number;
  /** Forget a room's position after this long without messages (bounded memory). */
  idleMs: number;
  /** Loads committed messages with seq > afterSeq, oldest first. */
  loadAfter: (roomId: string, afterSeq: number) => Promise<Message[]>;
  deliver: (message: Message) => void;
  onError: (error: unknown) => void;
}

interface RoomCursor {
  next: number;
  pending: Map<number, Message>;
  gapTimer?: NodeJS.Timeout;
  idleTimer?: NodeJS.Timeout;
}

/**
 * Delivers each room's `message:new` in seq order, exactly once, whatever order commits are reported in.
 * A message ahead of the expected seq is held; if the gap is not filled within `gapWaitMs`, the missing
 * messages are read from the database — they are committed, because seq n is only assigned after n-1
 * committed. Late duplicates (seq below the cursor) are dropped.
 */
export class RoomSequencer {
  private readonly rooms = new Map<string, RoomCursor>();

  constructor(private readonly options: SequencerOptions) {}

  push(message: Message): void {
    let cursor = this.rooms.get(message.roomId);
    if (!cursor) {
      cursor = { next: message.seq, pending: new Map() };
      this.rooms.set(message.roomId, cursor);
    }
    this.touch(message.roomId, cursor);
    if (message.seq < cursor.next) return;
    cursor.pending.set(message.seq, message);
    this.flush(cursor);
    if (cursor.pending.size > 0 && !cursor.gapTimer) {
      cursor.gapTimer = setTimeout(() => this.fillGap(message.roomId), this.options.gapWaitMs);
    }
  }

  /**
   * Starts a room's cursor at a known position (the room's lastSeq + 1 when a socket subscribes), so the
   * first live messages are ordered against it rather than against whichever commit is reported first.
   */
  prime(roomId: string, nextSeq: number): void {
    if (this.rooms.has(roomId)) return;
    const cursor: RoomCursor = { next: nextSeq, pending: new Map() };
    this.rooms.set(roomId, cursor);
    this.touch(roomId, cursor);
  }

  /** Stops every timer (shutdown). */
  clear(): void {
    for (const cursor of this.rooms.values()) {
      clearTimeout(cursor.gapTimer);
      clearTimeout(cursor.idleTimer);
    }
    this.rooms.clear();
  }

  /** Forgets a room (deleted), so a later message starts a fresh cursor. */
  forget(roomId: string): void {
    const cursor = this.rooms.get(roomId);
    if (!cursor) return;
    clearTimeout(cursor.gapTimer);
    clearTimeout(cursor.idleTimer);
    this.rooms.delete(roomId);
  }

  private flush(cursor: RoomCursor): void {
    for (let message = cursor.pending.get(cursor.next); message; message = cursor.pending.get(cursor.next)) {
      cursor.pending.delete(cursor.next);
      cursor.next += 1;
      this.options.deliver(message);
    }
    if (cursor.pending.size === 0 && cursor.gapTimer) {
      clearTimeout(cursor.gapTimer);
      cursor.gapTimer = undefined;
    }
  }

  private fillGap(roomId: string): void {
    const cursor = this.rooms.get(roomId);
    if (!cursor) return;
    cursor.gapTimer = undefined;
    if (cursor.pending.size === 0) return;
    const missingFrom = cursor.next;
    this.options.loadAfter(roomId, missingFrom - 1).then(
      (messages) => {
        const current = this.rooms.get(roomId);
        if (current !== cursor) return;
        for (const message of messages) if (message.seq >= cursor.next) cursor.pending.set(message.seq, message);
        this.flush(cursor);
        // Still a hole (should not happen): skip to the smallest held seq rather than stall the room.
        if (cursor.pending.size > 0 && !cursor.pending.has(cursor.next)) {
          cursor.next = Math.min(...cursor.pending.keys());
          this.flush(cursor);
        }
      },
      (error: unknown) => {
        this.options.onError(error);
        if (this.rooms.get(roomId) === cursor && !cursor.gapTimer) {
          cursor.gapTimer = setTimeout(() => this.fillGap(roomId), this.options.gapWaitMs);
        }
      },
    );
  }

  private touch(roomId: string, cursor: RoomCursor): void {
    clearTimeout(cursor.idleTimer);
    cursor.idleTimer = setTimeout(() => {
      if (this.rooms.get(roomId) === cursor && cursor.pending.size === 0) this.rooms.delete(roomId);
    }, this.options.idleMs);
    cursor.idleTimer.unref();
  }
}
