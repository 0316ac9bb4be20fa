/** Messages committed per second over the last minute, in one-second buckets (a ring). */
export class MessageRate {
  private readonly buckets = new Array<number>(60).fill(0);
  private lastSecond = Math.floor(Date.now() / 1000);

  record(now = Date.now()): void {
    this.advance(now);
    const index = Math.floor(now / 1000) % 60;
    this.buckets[index] = (this.buckets[index] ?? 0) + 1;
  }

  /** Messages in the last 60 s. */
  perMinute(now = Date.now()): number {
    this.advance(now);
    return this.buckets.reduce((sum, count) => sum + count, 0);
  }

  /** Average per second over the last `seconds` complete seconds. */
  perSecond(seconds = 5, now = Date.now()): number {
    this.advance(now);
    const current = Math.floor(now / 1000);
    let sum = 0;
    for (let i = 1; i <= seconds; i++) sum += this.buckets[(current - i) % 60] ?? 0;
    return sum / seconds;
  }

  /** Clears the buckets of the seconds that passed since the last call. */
  private advance(now: number): void {
    const second = Math.floor(now / 1000);
    for (let s = Math.max(this.lastSecond + 1, second - 59); s <= second; s++) this.buckets[s % 60] = 0;
    this.lastSecond = Math.max(this.lastSecond, second);
  }
}
