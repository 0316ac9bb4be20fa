import type { Driver } from './links';
import type { MachineCpuFigures } from './machine-cpu';
import type { LoadtestOptions } from './options';
import type { ServerFigures } from './prometheus';
import type { Schedule } from './schedule';
import { summarize, type LatencySummary, type RunStats, type TimelinePoint } from './stats';

/** Steal from this share up gets a note: on a shared VM such runs are not comparable with quiet ones. */
export const STEAL_NOTE_PERCENT = 5;

/** How the users were obtained. */
export interface SetupFigures {
  users: number;
  rooms: number;
  registered: number;
  loggedIn: number;
  /** Sessions taken from a seed file (refreshed when needed, no password check). */
  reused: number;
  provisionMs: number;
  connectMs: number;
}

/** results.json. Latencies in milliseconds; counts and rates over the measured window unless stated. */
export interface LoadtestResult {
  tool: 'parley-loadtest';
  version: 1;
  runId: string;
  startedAt: string;
  finishedAt: string;
  interrupted: boolean;
  config: {
    targets: string[];
    clients: number;
    roomSize: number;
    rooms: number;
    rate: number;
    size: number;
    duration: number;
    warmup: number;
    prefix: string;
    driver: Driver;
  };
  setup: SetupFigures;
  sends: {
    /** Slots of the measured window. */
    scheduled: number;
    sent: number;
    acked: number;
    failed: number;
    /** Sent but neither acked nor failed when the drain ended. */
    unacked: number;
    targetRate: number;
    /** Measured sends over the time they actually took to emit. */
    achievedRate: number;
  };
  deliveries: {
    /** Σ over acked messages of the other members of the sender's room. */
    expected: number;
    /** Receipts of acked messages by the other members (each at most once: the SDK de-duplicates). */
    delivered: number;
    missing: number;
    /** Receipts of messages whose send failed or was never answered, yet was committed. Not in `expected`. */
    ofUnackedSends: number;
    /** delivered / expected (1 when nothing was expected). */
    ratio: number;
    /** What the schedule asks for: rate × (average room size − 1). */
    expectedPerSecond: number;
    /**
     * All receipts of measured messages over the time they took: from the first measured send to the last
     * receipt (plus one send interval, as for the send rate). Below
     * the expected rate when the servers fall behind (the deliveries then spill into the drain).
     */
    deliveredPerSecond: number;
  };
  latency: {
    /** Intended send time → receipt by another member of the room. */
    endToEnd: LatencySummary | null;
    /** Intended send time → the server's ack (committed). */
    ack: LatencySummary | null;
    /** Intended send time → actual emit: how far the generator ran behind its schedule. */
    sendLag: LatencySummary | null;
  };
  errors: {
    total: number;
    byCode: Record<string, number>;
    reconnects: number;
  };
  generator: {
    /** This process's CPU over the measured window, % of one core. */
    cpuPercent: number | null;
    eventLoopLagP99Ms: number | null;
  };
  /** The whole machine over the measured window (all processes, all cores): where the generator runs. */
  machine: MachineCpuFigures;
  servers: ServerFigures[];
  notes: string[];
  timeline: TimelinePoint[];
}

export interface ResultInputs {
  options: LoadtestOptions;
  schedule: Schedule;
  stats: RunStats;
  runId: string;
  startedAt: Date;
  finishedAt: Date;
  interrupted: boolean;
  setup: SetupFigures;
  servers: ServerFigures[];
  generator: LoadtestResult['generator'];
  machine: MachineCpuFigures;
  notes: string[];
  /** Σ over clients of (members of the client's room − 1), / clients: the average fan-out of a message. */
  averageRecipients: number;
}

const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;

export function buildResult(inputs: ResultInputs): LoadtestResult {
  const { options, schedule, stats } = inputs;
  const measured = stats.measured;
  const scheduled = schedule.totalSlots - schedule.warmupSlots;
  const sendWindowMs =
    stats.firstMeasuredSendAt !== undefined && stats.lastMeasuredSendAt !== undefined
      ? stats.lastMeasuredSendAt - stats.firstMeasuredSendAt + schedule.intervalMs
      : 0;
  const deliveryWindowMs =
    stats.firstMeasuredSendAt !== undefined && stats.lastMeasuredDeliveryAt !== undefined ? stats.lastMeasuredDeliveryAt - stats.firstMeasuredSendAt + schedule.intervalMs
      : 0;
  const notes = [...inputs.notes];
  const rateLimited = stats.errors.get('rate_limited') ?? 0;
  if (rateLimited > 0) {
    notes.push(
      `${rateLimited} request(s) were refused with rate_limited: start the servers under test with ` +
        'AUTH_RATE_LIMIT=1000000 HTTP_RATE_LIMIT=1000000 SEND_RATE_LIMIT=1000000 (and keep each client under 12 events/s).',
    );
  }
  const sendLagP99 = summarize(stats.sendLag)?.p99;
  if (sendLagP99 !== undefined && sendLagP99 > 50) {
    notes.push(`The generator sent late (send lag p99 ${sendLagP99} ms): this machine may be the bottleneck; latencies still count from the intended times.`);
  }
  const steal = inputs.machine.stealPercent;
  if (steal !== null && steal >= STEAL_NOTE_PERCENT) {
    notes.push(`The hypervisor gave ${steal} % of this machine's CPU time to other guests during the run (steal): latencies are noisier than the code alone makes them.`);
  }
  const missing = Math.max(0, measured.expected - measured.delivered);
  return {
    tool: 'parley-loadtest',
    version: 1,
    runId: inputs.runId,
    startedAt: inputs.startedAt.toISOString(),
    finishedAt: inputs.finishedAt.toISOString(),
    interrupted: inputs.interrupted,
    config: {
      targets: options.targets,
      clients: options.clients,
      roomSize: options.roomSize,
      rooms: Math.ceil(options.clients / options.roomSize),
      rate: options.rate,
      size: options.size,
      duration: options.duration,
      warmup: options.warmup,
      prefix: options.prefix,
      driver: options.driver,
    },
    setup: inputs.setup,
    sends: {
      scheduled,
      sent: measured.sent,
      acked: measured.acked,
      failed: measured.failed,
      unacked: Math.max(0, measured.sent - measured.acked - measured.failed),
      targetRate: options.rate,
      achievedRate: sendWindowMs > 0 ? round(measured.sent / (sendWindowMs / 1000)) : 0,
    },
    deliveries: {
      expected: measured.expected,
      delivered: measured.delivered,
      missing,
      ofUnackedSends: measured.deliveredUnacked,
      ratio: measured.expected === 0 ? 1 : round(measured.delivered / measured.expected, 5),
      expectedPerSecond: round(options.rate * inputs.averageRecipients),
      deliveredPerSecond: deliveryWindowMs > 0 ? round((measured.delivered + measured.deliveredUnacked) / (deliveryWindowMs / 1000)) : 0,
    },
    latency: {
      endToEnd: summarize(stats.endToEnd),
      ack: summarize(stats.ack),
      sendLag: summarize(stats.sendLag),
    },
    errors: {
      total: stats.errorTotal,
      byCode: Object.fromEntries([...stats.errors.entries()].sort(([a], [b]) => a.localeCompare(b))),
      reconnects: stats.reconnects,
    },
    generator: inputs.generator,
    machine: inputs.machine,
    servers: inputs.servers,
    notes,
    timeline: stats.timeline,
  };
}

/** Average number of other members per client (the fan-out of one message). */
export function averageRecipients(rooms: number[][]): number {
  let clients = 0;
  let recipients = 0;
  for (const members of rooms) {
    clients += members.length;
    recipients += members.length * (members.length - 1);
  }
  return clients === 0 ? 0 : recipients / clients;
}
