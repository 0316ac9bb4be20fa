import { parseArgs } from '../../../apps/loadtest/src/options';
import { serverFigures } from '../../../apps/loadtest/src/prometheus';
import type { ResultInputs } from '../../../apps/loadtest/src/result';
import { planSchedule } from '../../../apps/loadtest/src/schedule';
import { RunStats } from '../../../apps/loadtest/src/stats';

/** A small finished load-tool run: 6 clients in rooms of 3, 10 msg/s, 1 s warm-up + 2 s. */
export function sampleInputs(overrides: Partial<ResultInputs> = {}): ResultInputs {
  const options = parseArgs(['--clients', '6', '--room-size', '3', '--rate', '10', '--duration', '2', '--warmup', '1', '--prefix', 'lt_']);
  const schedule = planSchedule(10, 1, 2);
  const stats = new RunStats(schedule);
  for (let slot = 0; slot < schedule.totalSlots; slot++) {
    stats.recordSent(slot, 0.1, slot * 100);
    stats.recordAck(slot, 2 + slot / 10, 2);
    stats.recordDelivery(slot, 3 + slot / 10, slot * 100 + 3);
    stats.recordDelivery(slot, 4 + slot / 10, slot * 100 + 5);
    if (slot % 10 === 9) stats.rollover((slot + 1) / 10, slot < 10 ? 'warmup' : 'measure');
  }
  return {
    options,
    schedule,
    stats,
    runId: 'run00001',
    startedAt: new Date('2030-01-01T00:00:00Z'),
    finishedAt: new Date('2030-01-01T00:00:05Z'),
    interrupted: false,
    setup: { users: 6, rooms: 2, registered: 6, loggedIn: 0, reused: 0, provisionMs: 800, connectMs: 120 },
    servers: [serverFigures('http://127.0.0.1:3000', { at: 2000, instance: 'vm:1', eventLoopLagP99Seconds: 0.002, socketsConnected: 6, cpuSeconds: 1.5 }, { at: 1000, cpuSeconds: 1.2 })],
    generator: { cpuPercent: 12.5, eventLoopLagP99Ms: 1.1 },
    machine: { busyPercent: 61.5, stealPercent: 1.2 },
    notes: [],
    averageRecipients: 2,
    ...overrides,
  };
}
