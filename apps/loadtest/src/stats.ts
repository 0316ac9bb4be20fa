import { build, type Histogram } from 'hdr-histogram-js';
import { isMeasured, type Schedule } from './schedule';

/** Histograms record microseconds from 1 µs to one hour with 3 significant digits. */
export const HIGHEST_TRACKABLE_US = 3_600_000_000;

export function newHistogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_TRACKABLE_US, numberOfSignificantValueDigits: 3 });
}

/** Milliseconds (with fraction) → recorded microseconds, clamped into the histogram's range. */
export function toMicros(ms: number): number {
  if (!Number.isFinite(ms)) return HIGHEST_TRACKABLE_US;
  return Math.min(HIGHEST_TRACKABLE_US, Math.max(1, Math.round(ms * 1000)));
}

/** Percentiles in milliseconds. */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

const ms = (us: number): number => Math.round(us) / 1000;

export function summarize(histogram: Histogram): LatencySummary | null {
  if (histogram.totalCount === 0) return null;
  return {
    count: histogram.totalCount,
    mean: ms(histogram.mean),
    p50: ms(histogram.getValueAtPercentile(50)),
    p90: ms(histogram.getValueAtPercentile(90)),
    p99: ms(histogram.getValueAtPercentile(99)),
    p999: ms(histogram.getValueAtPercentile(99.9)),
    max: ms(histogram.maxValue),
  };
}

export type Phase = 'warmup' | 'measure' | 'drain';

/** One second of the run (all messages, warm-up included), for the progress line and the chart. */
export interface TimelinePoint {
  /** Seconds since the start, at the end of this interval. */
  t: number;
  phase: Phase;
  /** Length of the interval in seconds (1 except for the last one). */
  seconds: number;
  sent: number;
  acked: number;
  failed: number;
  delivered: number;
  /** Deliveries owed by the messages acked in this interval (acked × other members of the room). */
  expected: number;
  /** End-to-end latency of the deliveries received in this interval, ms; null when there were none. */
  p50: number | null;
  p99: number | null;
  max: number | null;
}

export interface Counters {
  sent: number;
  acked: number;
  failed: number;
  /** Σ over acked messages of the other members of the sender's room. */
  expected: number;
  /** Receipts of acked messages (in the timeline: every receipt in that second). */
  delivered: number;
  /** Receipts of messages whose send failed or was never answered: committed all the same. */
  deliveredUnacked: number;
}

const zero = (): Counters => ({ sent: 0, acked: 0, failed: 0, expected: 0, delivered: 0, deliveredUnacked: 0 });

/**
 * Everything measured during a run. The HDR histograms and `measured` counters only take measured slots
 * (warm-up excluded, classified by the slot carried in each message, not by when it arrived); `all` and the
 * timeline take every slot. Once frozen, late acks and deliveries are ignored.
 */
export class RunStats {
  readonly endToEnd = newHistogram();
  readonly ack = newHistogram();
  /** How late the generator emitted each message after its intended time (its own health). */
  readonly sendLag = newHistogram();
  readonly measured = zero();
  readonly all = zero();
  readonly errors = new Map<string, number>();
  readonly timeline: TimelinePoint[] = [];
  reconnects = 0;
  /** performance.now() of the first and last measured send (the achieved rate's window). */
  firstMeasuredSendAt?: number;
  lastMeasuredSendAt?: number;
  /** performance.now() of the last delivery of a measured message (the delivered rate's window ends there). */
  lastMeasuredDeliveryAt?: number;
  private interval = zero();
  private intervalHistogram = newHistogram();
  private frozen = false;
  /** Sends awaiting their outcome → receipts seen so far (a receipt can beat the sender's ack). */
  private readonly inFlight = new Map<number, number>();
  private readonly failedSlots = new Set<number>();

  constructor(private readonly schedule: Schedule) {}

  /** Sends that have neither been acked nor failed. */
  get pending(): number {
    return this.all.sent - this.all.acked - this.all.failed;
  }

  /** Every expected delivery of the acked messages arrived and no send is outstanding. */
  get settled(): boolean {
    return this.pending === 0 && this.all.delivered >= this.all.expected;
  }

  recordSent(slot: number, lagMs: number, atPerfMs: number): void {
    if (this.frozen) return;
    this.all.sent++;
    this.interval.sent++;
    this.inFlight.set(slot, 0);
    if (!isMeasured(this.schedule, slot)) return;
    this.measured.sent++;
    this.sendLag.recordValue(toMicros(lagMs));
    this.firstMeasuredSendAt ??= atPerfMs;
    this.lastMeasuredSendAt = atPerfMs;
  }

  recordAck(slot: number, latencyMs: number, recipients: number): void {
    if (this.frozen) return;
    this.all.acked++;
    this.all.expected += recipients;
    this.interval.acked++;
    this.interval.expected += recipients;
    this.settle(slot, 'delivered');
    if (!isMeasured(this.schedule, slot)) return;
    this.measured.acked++;
    this.measured.expected += recipients;
    this.ack.recordValue(toMicros(latencyMs));
  }

  recordFailure(slot: number, code: string): void {
    if (this.frozen) return;
    this.all.failed++;
    this.interval.failed++;
    this.countError(code);
    this.failedSlots.add(slot);
    this.settle(slot, 'deliveredUnacked');
    if (isMeasured(this.schedule, slot)) this.measured.failed++;
  }

  recordDelivery(slot: number, latencyMs: number, atPerfMs = performance.now()): void {
    if (this.frozen) return;
    const micros = toMicros(latencyMs);
    this.interval.delivered++;
    this.intervalHistogram.recordValue(micros);
    const early = this.inFlight.get(slot);
    if (early !== undefined) this.inFlight.set(slot, early + 1);
    else this.count(slot, this.failedSlots.has(slot) ? 'deliveredUnacked' : 'delivered', 1);
    if (!isMeasured(this.schedule, slot)) return;
    this.endToEnd.recordValue(micros);
    this.lastMeasuredDeliveryAt = atPerfMs;
  }

  /** Errors that are not a send's own (client problems, failed joins…). */
  countError(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  get errorTotal(): number {
    let total = 0;
    for (const count of this.errors.values()) total += count;
    return total;
  }

  /** Closes the current interval (a timeline point) and starts the next. */
  /** Something was counted since the last rollover (it must reach the timeline, however short the interval). */
  get intervalHasCounts(): boolean {
    return Object.values(this.interval).some((count) => count > 0);
  }

  rollover(t: number, phase: Phase, seconds = 1): TimelinePoint {
    const summary = summarize(this.intervalHistogram);
    const point: TimelinePoint = {
      t: Math.round(t * 1000) / 1000,
      phase,
      seconds: Math.round(seconds * 1000) / 1000,
      sent: this.interval.sent,
      acked: this.interval.acked,
      failed: this.interval.failed,
      delivered: this.interval.delivered,
      expected: this.interval.expected,
      p50: summary?.p50 ?? null,
      p99: summary?.p99 ?? null,
      max: summary?.max ?? null,
    };
    this.timeline.push(point);
    this.interval = zero();
    this.intervalHistogram.reset();
    return point;
  }

  /** Stops counting (after the drain): what arrives later is not part of the results. */
  freeze(): void {
    // Receipts of sends that never got an answer belong to no acked message.
    for (const [slot, receipts] of this.inFlight) this.count(slot, 'deliveredUnacked', receipts);
    this.frozen = true;
  }

  /** The send of `slot` has its outcome: receipts that arrived before it are credited now. */
  private settle(slot: number, as: 'delivered' | 'deliveredUnacked'): void {
    const early = this.inFlight.get(slot);
    if (early === undefined) return;
    this.inFlight.delete(slot);
    this.count(slot, as, early);
  }

  private count(slot: number, as: 'delivered' | 'deliveredUnacked', receipts: number): void {
    this.all[as] += receipts;
    if (isMeasured(this.schedule, slot)) this.measured[as] += receipts;
  }
}
