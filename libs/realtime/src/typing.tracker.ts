/**
 * Typing state per (room, user). A `true` that is not refreshed within the timeout expires by itself and
 * announces `isTyping: false`; only real transitions are announced, so refreshes cost nothing downstream.
 */
export class TypingTracker {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly timeoutMs: number,
    private readonly announce: (roomId: string, userId: string, isTyping: boolean) => void,
  ) {}

  set(roomId: string, userId: string, isTyping: boolean): void {
    const key = `${roomId}:${userId}`;
    const existing = this.timers.get(key);
    if (!isTyping) {
      if (existing) this.stop(key, existing, roomId, userId);
      return;
    }
    clearTimeout(existing);
    const timer = setTimeout(() => this.stop(key, timer, roomId, userId), this.timeoutMs);
    this.timers.set(key, timer);
    if (!existing) this.announce(roomId, userId, true);
  }

  /** Stops every typing state of a user (last socket gone) or of a room (deleted). */
  clearWhere(predicate: (roomId: string, userId: string) => boolean): void {
    for (const [key, timer] of this.timers) {
      const [roomId = '', userId = ''] = key.split(':');
      if (predicate(roomId, userId)) this.stop(key, timer, roomId, userId);
    }
  }

  clearAll(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private stop(key: string, timer: NodeJS.Timeout, roomId: string, userId: string): void {
    clearTimeout(timer);
    this.timers.delete(key);
    this.announce(roomId, userId, false);
  }
}
