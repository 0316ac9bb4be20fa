/** Reading the servers' `/metrics` (Prometheus text format) into the figures the report shows (pure). */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?\s*$/;
const LABEL = /([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function parseValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

function unescape(value: string): string {
  return value.replace(/\\(.)/g, (_, char: string) => (char === 'n' ? '\n' : char));
}

export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (!line || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(LABEL)) labels[label[1] as string] = unescape(label[2] as string);
    samples.push({ name: match[1] as string, labels, value: parseValue(match[3] as string) });
  }
  return samples;
}

/** What one scrape of one instance says. Undefined where the metric is absent. */
export interface ServerSnapshot {
  /** Epoch ms of the scrape. */
  at: number;
  instance?: string;
  eventLoopLagSeconds?: number;
  eventLoopLagP99Seconds?: number;
  eventLoopLagMaxSeconds?: number;
  residentMemoryBytes?: number;
  heapUsedBytes?: number;
  socketsConnected?: number;
  messagesPersisted?: number;
  messageDeliveries?: number;
  cpuSeconds?: number;
}

/** Sum of a metric's series (one instance per scrape; several series only for labelled metrics). */
function total(samples: Sample[], name: string): number | undefined {
  let sum: number | undefined;
  for (const sample of samples) if (sample.name === name && Number.isFinite(sample.value)) sum = (sum ?? 0) + sample.value;
  return sum;
}

export function snapshotOf(samples: Sample[], at: number): ServerSnapshot {
  return {
    at,
    instance: samples.find((sample) => sample.labels.instance !== undefined)?.labels.instance,
    eventLoopLagSeconds: total(samples, 'nodejs_eventloop_lag_seconds'),
    eventLoopLagP99Seconds: total(samples, 'nodejs_eventloop_lag_p99_seconds'),
    eventLoopLagMaxSeconds: total(samples, 'nodejs_eventloop_lag_max_seconds'),
    residentMemoryBytes: total(samples, 'process_resident_memory_bytes'),
    heapUsedBytes: total(samples, 'nodejs_heap_size_used_bytes'),
    socketsConnected: total(samples, 'parley_sockets_connected'),
    messagesPersisted: total(samples, 'parley_messages_persisted_total'),
    messageDeliveries: total(samples, 'parley_message_deliveries_total'),
    cpuSeconds: total(samples, 'process_cpu_seconds_total'),
  };
}

/** One target's line in the results: the scrape after the run, and what changed since the one before it. */
export interface ServerFigures {
  target: string;
  instance: string | null;
  /**
   * p99 / max of the event-loop delay since the previous scrape (prom-client resets its histogram on every
   * scrape, so with the baseline taken when the measurement starts this covers the measured window, unless
   * another scraper read /metrics meanwhile). Falls back to the last single lag sample.
   */
  eventLoopLagP99Ms: number | null;
  eventLoopLagMaxMs: number | null;
  residentMemoryBytes: number | null;
  heapUsedBytes: number | null;
  socketsConnected: number | null;
  /** Between the two scrapes. */
  messagesPersisted: number | null;
  messageDeliveries: number | null;
  /** Process CPU between the two scrapes, in % of one core. */
  cpuPercent: number | null;
  error: string | null;
}

const orNull = (value: number | undefined): number | null => (value === undefined || !Number.isFinite(value) ? null : value);
const delta = (after?: number, before?: number): number | null => (after === undefined || before === undefined ? null : after - before);
const toMs = (seconds: number | undefined): number | null => (seconds === undefined ? null : Math.round(seconds * 1_000_000) / 1000);

export function serverFigures(target: string, after: ServerSnapshot | null, before: ServerSnapshot | null, error: string | null = null): ServerFigures {
  const cpu = delta(after?.cpuSeconds, before?.cpuSeconds);
  const wallSeconds = after && before ? (after.at - before.at) / 1000 : 0;
  return {
    target,
    instance: after?.instance ?? before?.instance ?? null,
    eventLoopLagP99Ms: toMs(after?.eventLoopLagP99Seconds ?? after?.eventLoopLagSeconds),
    eventLoopLagMaxMs: toMs(after?.eventLoopLagMaxSeconds),
    residentMemoryBytes: orNull(after?.residentMemoryBytes),
    heapUsedBytes: orNull(after?.heapUsedBytes),
    socketsConnected: orNull(after?.socketsConnected),
    messagesPersisted: delta(after?.messagesPersisted, before?.messagesPersisted),
    messageDeliveries: delta(after?.messageDeliveries, before?.messageDeliveries),
    cpuPercent: cpu !== null && wallSeconds > 0 ? Math.round((cpu / wallSeconds) * 1000) / 10 : null,
    error,
  };
}
