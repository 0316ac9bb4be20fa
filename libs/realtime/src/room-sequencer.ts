import type { Message } from '@parley/contract';

export interface SequencerOptions {
  /** How long to wait for a missing seq before reading it from the database. */
  gapWaitMs: number;
  /**
   * Reads before giving up on a hole and skipping past it. A hole is always fillable in principle (see
   * below), so this only guards against a room stalling forever on a broken database read.
   */
  maxGapAttempts: number;
  /** Loads committed messages with seq > afterSeq, oldest first. */
  loadAfter: (roomId: string, afterSeq: number) => Promise<Message[]>;
  deliver: (message: Message) => void;
  onError: (error: unknown) => void;
}

interface RoomCursor {
  next: number;
  pending: Map<number, Message>;
  gapTimer?: NodeJS.Timeout;
  attempts: number;
}

/**
 * Delivers each room's `message:new` to this instance's sockets in seq order, exactly once. The room's writer
 * publishes in seq order, so messages normally go straight through; a message ahead of the expected seq (one
 * lost while Redis was away, or committed by a writer that died before publishing it) is held, and if the gap
 * is not filled within `gapWaitMs` the missing messages are read from the database: they are committed,
 * because a writer numbers a room's messages in commit order. A read that still leaves a hole is repeated.
 * Late duplicates (seq below the cursor) are dropped.
 *
 * Rooms are tracked while this instance has subscribers in them: `prime` when the first one subscribes,
 * `forget` when the last one leaves, so memory is bounded by the rooms actually delivered to.
 */
export class RoomSequencer {
  private readonly rooms = new Map<string, RoomCursor>();

  constructor(private readonly options: SequencerOptions) {}

  /** Starts a room's cursor at a known position (its lastSeq + 1), unless it is tracked already. */
  prime(roomId: string, nextSeq: number): void {
    if (!this.rooms.has(roomId)) this.rooms.set(roomId, { next: nextSeq, pending: new Map(), attempts: 0 });
  }

  /** A message committed in its room: delivered now, or held until the ones before it are. */
  push(message: Message): void {
    const cursor = this.rooms.get(message.roomId);
    // Not tracked: nobody here listens to the room. Below the cursor: delivered already.
    if (!cursor || message.seq < cursor.next) return;
    if (message.seq === cursor.next && cursor.pending.size === 0) {
      // The usual case (one writer per room publishes in seq order): straight through.
      cursor.next += 1;
      cursor.attempts = 0;
      this.options.deliver(message);
      return;
    }
    cursor.pending.set(message.seq, message);
    this.flush(cursor);
    if (cursor.pending.size > 0) this.armGapTimer(message.roomId, cursor);
  }

  /** Stops tracking a room (no local subscribers left, or deleted); a later message starts afresh. */
  forget(roomId: string): void {
    const cursor = this.rooms.get(roomId);
    if (!cursor) return;
    clearTimeout(cursor.gapTimer);
    this.rooms.delete(roomId);
  }

  /** Stops every timer (shutdown). */
  clear(): void {
    for (const cursor of this.rooms.values()) clearTimeout(cursor.gapTimer);
    this.rooms.clear();
  }

  private flush(cursor: RoomCursor): void {
    for (let message = cursor.pending.get(cursor.next); message; message = cursor.pending.get(cursor.next)) {
      cursor.pending.delete(cursor.next);
      cursor.next += 1;
      cursor.attempts = 0;
      this.options.deliver(message);
    }
    if (cursor.pending.size === 0 && cursor.gapTimer) {
      clearTimeout(cursor.gapTimer);
      cursor.gapTimer = undefined;
    }
  }

  private armGapTimer(roomId: string, cursor: RoomCursor): void {
    if (cursor.gapTimer) return;
    cursor.gapTimer = setTimeout(() => this.fillGap(roomId, cursor), this.options.gapWaitMs);
  }

  private fillGap(roomId: string, cursor: RoomCursor): void {
    cursor.gapTimer = undefined;
    if (this.rooms.get(roomId) !== cursor || cursor.pending.size === 0) return;
    cursor.attempts += 1;
    this.options.loadAfter(roomId, cursor.next - 1).then(
      (messages) => {
        if (this.rooms.get(roomId) !== cursor) return;
        for (const message of messages) if (message.seq >= cursor.next) cursor.pending.set(message.seq, message);
        this.flush(cursor);
        if (cursor.pending.size === 0) return;
        if (cursor.attempts >= this.options.maxGapAttempts) {
          this.options.onError(new Error(`room ${roomId}: seq ${cursor.next} still missing after ${cursor.attempts} reads; skipping`));
          cursor.next = Math.min(...cursor.pending.keys());
          this.flush(cursor);
        }
        if (cursor.pending.size > 0) this.armGapTimer(roomId, cursor);
      },
      (error: unknown) => {
        this.options.onError(error);
        if (this.rooms.get(roomId) === cursor) this.armGapTimer(roomId, cursor);
      },
    );
  }
}
