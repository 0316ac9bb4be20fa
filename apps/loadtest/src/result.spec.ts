import { averageRecipients, buildResult, STEAL_NOTE_PERCENT } from './result';
import { planSchedule } from './schedule';
import { RunStats } from './stats';
import { sampleInputs } from '../../../test/support/unit/loadtest';

describe('buildResult', () => {
  it('computes rates, deliveries and latencies over the measured window', () => {
    const result = buildResult(sampleInputs());
    expect(result.config).toEqual({
      targets: ['http://127.0.0.1:3000'],
      clients: 6,
      roomSize: 3,
      rooms: 2,
      rate: 10,
      size: 100,
      duration: 2,
      warmup: 1,
      prefix: 'lt_',
      driver: 'sdk',
    });
    expect(result.sends).toEqual({ scheduled: 20, sent: 20, acked: 20, failed: 0, unacked: 0, targetRate: 10, achievedRate: 10 });
    expect(result.deliveries).toEqual({ expected: 40, delivered: 40, missing: 0, ofUnackedSends: 0, ratio: 1, expectedPerSecond: 20, deliveredPerSecond: 19.95 });
    expect(result.latency.endToEnd?.count).toBe(40);
    expect(result.latency.endToEnd?.p50).toBeGreaterThan(3);
    expect(result.latency.ack?.count).toBe(20);
    expect(result.latency.sendLag?.max).toBeCloseTo(0.1, 3);
    expect(result.errors).toEqual({ total: 0, byCode: {}, reconnects: 0 });
    expect(result.servers[0]?.cpuPercent).toBe(30);
    expect(result.timeline).toHaveLength(3);
    expect(result.notes).toEqual([]);
  });

  it('explains rate limiting and a late generator, and counts what is missing', () => {
    const inputs = sampleInputs();
    const { stats } = inputs;
    stats.recordSent(25, 80, 9000);
    stats.recordFailure(25, 'rate_limited');
    stats.recordSent(26, 200, 9100);
    stats.recordSent(27, 200, 9200);
    stats.recordAck(27, 1, 2);
    stats.recordDelivery(25, 3, 9300);
    stats.countError('client_network');
    const result = buildResult(inputs);
    expect(result.sends).toMatchObject({ sent: 23, acked: 21, failed: 1, unacked: 1 });
    expect(result.deliveries).toMatchObject({ expected: 42, delivered: 40, missing: 2, ofUnackedSends: 1, ratio: 0.95238 });
    expect(result.errors).toEqual({ total: 2, byCode: { client_network: 1, rate_limited: 1 }, reconnects: 0 });
    expect(result.notes.join('\n')).toMatch(/rate_limited.*SEND_RATE_LIMIT=1000000/);
    expect(result.notes.join('\n')).toMatch(/generator sent late/);
  });

  it('notes a run whose machine lost CPU time to other guests, from the threshold up', () => {
    expect(buildResult(sampleInputs()).machine).toEqual({ busyPercent: 61.5, stealPercent: 1.2 });
    const below = buildResult(sampleInputs({ machine: { busyPercent: 90, stealPercent: STEAL_NOTE_PERCENT - 0.1 } }));
    expect(below.notes.join('\n')).not.toMatch(/steal/);
    const noisy = buildResult(sampleInputs({ machine: { busyPercent: 90, stealPercent: 12.3 } }));
    expect(noisy.notes).toContainEqual(expect.stringMatching(/12\.3 % of this machine's CPU time to other guests.*steal/));
    expect(buildResult(sampleInputs({ machine: { busyPercent: null, stealPercent: null } })).notes).toEqual([]);
  });

  it('copes with a run that measured nothing', () => {
    const schedule = planSchedule(10, 1, 2);
    const result = buildResult(sampleInputs({ stats: new RunStats(schedule), interrupted: true }));
    expect(result.sends.achievedRate).toBe(0);
    expect(result.deliveries.deliveredPerSecond).toBe(0);
    expect(result.deliveries.ratio).toBe(1);
    expect(result.latency).toEqual({ endToEnd: null, ack: null, sendLag: null });
    expect(result.interrupted).toBe(true);
  });

  it('averages the fan-out over rooms of different sizes', () => {
    expect(averageRecipients([[0, 1, 2], [3, 4, 5]])).toBe(2);
    expect(averageRecipients([[0, 1, 2], [3, 4]])).toBeCloseTo((3 * 2 + 2 * 1) / 5);
    expect(averageRecipients([])).toBe(0);
  });
});
