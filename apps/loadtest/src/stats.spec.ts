import { planSchedule } from './schedule';
import { HIGHEST_TRACKABLE_US, newHistogram, RunStats, summarize, toMicros } from './stats';

describe('RunStats', () => {
  // 10 msg/s, 1 s warm-up: slots 0–9 are warm-up, 10–29 measured.
  const schedule = planSchedule(10, 1, 2);

  it('converts milliseconds to clamped microseconds', () => {
    expect(toMicros(1.2345)).toBe(1235);
    expect(toMicros(0)).toBe(1);
    expect(toMicros(-5)).toBe(1);
    expect(toMicros(Infinity)).toBe(HIGHEST_TRACKABLE_US);
    expect(toMicros(10 * 3_600_000)).toBe(HIGHEST_TRACKABLE_US);
  });

  it('summarizes HDR histograms in milliseconds', () => {
    const histogram = newHistogram();
    expect(summarize(histogram)).toBeNull();
    for (let i = 1; i <= 100; i++) histogram.recordValue(i * 1000);
    const summary = summarize(histogram)!;
    expect(summary.count).toBe(100);
    expect(summary.p50).toBeCloseTo(50, 1);
    expect(summary.p90).toBeCloseTo(90, 1);
    expect(summary.p99).toBeCloseTo(99, 1);
    expect(summary.max).toBeCloseTo(100, 1);
    expect(summary.mean).toBeCloseTo(50.5, 1);
  });

  it('keeps warm-up out of the histograms and measured counters, but not out of the totals', () => {
    const stats = new RunStats(schedule);
    stats.recordSent(3, 0.5, 100);
    stats.recordAck(3, 4, 2);
    stats.recordDelivery(3, 6);
    stats.recordSent(12, 0.2, 1100);
    stats.recordSent(13, 0.3, 1200);
    stats.recordAck(12, 5, 2);
    stats.recordDelivery(12, 7, 1300);
    stats.recordDelivery(12, 9);
    stats.recordFailure(13, 'rate_limited');
    expect(stats.all).toEqual({ sent: 3, acked: 2, failed: 1, expected: 4, delivered: 3, deliveredUnacked: 0 });
    expect(stats.measured).toEqual({ sent: 2, acked: 1, failed: 1, expected: 2, delivered: 2, deliveredUnacked: 0 });
    expect(stats.endToEnd.totalCount).toBe(2);
    expect(stats.ack.totalCount).toBe(1);
    expect(stats.sendLag.totalCount).toBe(2);
    expect(stats.firstMeasuredSendAt).toBe(1100);
    expect(stats.lastMeasuredSendAt).toBe(1200);
    expect(stats.lastMeasuredDeliveryAt).toBeLessThanOrEqual(performance.now()); // the default: now
    stats.recordDelivery(3, 6, 1e12); // warm-up: does not move the measured window
    expect(stats.lastMeasuredDeliveryAt).toBeLessThan(1e12);
    expect(stats.errors.get('rate_limited')).toBe(1);
    expect(stats.errorTotal).toBe(1);
    expect(stats.pending).toBe(0);
    expect(stats.settled).toBe(true);
  });

  it('is settled only when nothing is in flight and every delivery arrived', () => {
    const stats = new RunStats(schedule);
    stats.recordSent(10, 0, 0);
    expect(stats.pending).toBe(1);
    expect(stats.settled).toBe(false);
    stats.recordAck(10, 1, 2);
    expect(stats.settled).toBe(false);
    stats.recordDelivery(10, 2);
    stats.recordDelivery(10, 2);
    expect(stats.settled).toBe(true);
  });

  it('rolls per-second points over for the timeline', () => {
    const stats = new RunStats(schedule);
    stats.recordSent(0, 0, 0);
    stats.recordAck(0, 1, 3);
    stats.recordDelivery(0, 2);
    stats.recordDelivery(0, 4);
    const first = stats.rollover(1.0004, 'warmup');
    expect(first).toMatchObject({ t: 1, phase: 'warmup', seconds: 1, sent: 1, acked: 1, failed: 0, delivered: 2, expected: 3 });
    expect(first.p50).toBeCloseTo(2, 2);
    expect(first.p99).toBeCloseTo(4, 2);
    expect(first.max).toBeCloseTo(4, 2);
    const second = stats.rollover(1.5, 'drain', 0.5);
    expect(second).toEqual({ t: 1.5, phase: 'drain', seconds: 0.5, sent: 0, acked: 0, failed: 0, delivered: 0, expected: 0, p50: null, p99: null, max: null });
    expect(stats.timeline).toHaveLength(2);
  });

  it('ignores whatever arrives after it is frozen', () => {
    const stats = new RunStats(schedule);
    stats.recordSent(10, 0, 0);
    stats.freeze();
    stats.recordAck(10, 1, 1);
    stats.recordDelivery(10, 1);
    stats.recordFailure(10, 'network');
    stats.recordSent(11, 0, 0);
    expect(stats.all).toEqual({ sent: 1, acked: 0, failed: 0, expected: 0, delivered: 0, deliveredUnacked: 0 });
    expect(stats.pending).toBe(1);
  });

  it('credits receipts to acked messages, and keeps those of failed or unanswered sends apart', () => {
    const stats = new RunStats(schedule);
    for (const slot of [10, 11, 12]) stats.recordSent(slot, 0, 0);
    // Receipts may beat the sender's ack; they count once the outcome is known.
    stats.recordDelivery(10, 1);
    stats.recordDelivery(11, 1);
    stats.recordDelivery(12, 1);
    expect(stats.measured.delivered).toBe(0);
    stats.recordAck(10, 2, 2);
    stats.recordDelivery(10, 3);
    expect(stats.measured).toMatchObject({ acked: 1, expected: 2, delivered: 2, deliveredUnacked: 0 });
    expect(stats.settled).toBe(false); // 11 and 12 are still in flight
    // A send that failed (e.g. the ack timed out) may have been committed and delivered all the same.
    stats.recordFailure(11, 'network');
    stats.recordDelivery(11, 4);
    expect(stats.measured).toMatchObject({ failed: 1, delivered: 2, deliveredUnacked: 2 });
    // Never answered: its receipts are set apart when the run is frozen.
    stats.freeze();
    expect(stats.measured).toMatchObject({ delivered: 2, deliveredUnacked: 3, expected: 2 });
    expect(stats.endToEnd.totalCount).toBe(5);
  });

  it('reports whether the current interval counted anything (so a short last interval is not lost)', () => {
    const stats = new RunStats(schedule);
    expect(stats.intervalHasCounts).toBe(false);
    stats.recordSent(0, 0, 0);
    expect(stats.intervalHasCounts).toBe(true);
    stats.rollover(1, 'warmup');
    expect(stats.intervalHasCounts).toBe(false);
  });
});
