/**
 * Classic vs sharded Socket.IO Redis adapter, measured on this machine.
 *
 *   npm run bench:adapter -- [--instances 2] [--rooms 50] [--rates 2000,6000] [--seconds 5]
 *
 * A private redis-server, then for every rate × adapter × scenario a fresh set of Socket.IO instances
 * (bench/adapter-worker.ts, using Parley's own adapter factory) and socket.io-client sockets in this
 * process: 4 subscribers per room and one publisher per room (on instance 0) that emits `pub`, which the
 * instance broadcasts to the room. Scenarios:
 *   spread  every room has subscribers on every instance (subscriber j on instance j mod N);
 *   local   all subscribers of room r are on instance r mod N, so only one instance needs each broadcast.
 * Publishes follow an open-loop schedule (a fixed rate, never waiting on replies) for a warm-up second and
 * then the measured window; everything is bounded in time and every child is killed at the end.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { io as connectClient, type Socket } from 'socket.io-client';
import type { SocketAdapterKind } from '../libs/realtime/src/redis-io.adapter';
import type { ParentMessage, WorkerMessage, WorkerStats } from './adapter-worker';

const ADAPTERS: readonly SocketAdapterKind[] = ['classic', 'sharded'];
const SCENARIOS = ['spread', 'local'] as const;
type Scenario = (typeof SCENARIOS)[number];

const SUBSCRIBERS_PER_ROOM = 4;
const WARMUP_MS = 1000;
/** After the last publish, how long deliveries may still arrive before the rest count as lost. */
const DRAIN_MAX_MS = 2000;
/** The open-loop sender wakes up this often and sends whatever is due. */
const TICK_MS = 2;
/** Bound on any single setup/teardown step (start, connect, join, stats). */
const STEP_TIMEOUT_MS = 15_000;
/** Bound on the whole run. */
const TOTAL_TIMEOUT_MS = 5 * 60_000;

const USAGE = `Usage: npm run bench:adapter -- [--instances N] [--rooms R] [--rates A,B,..] [--rate A] [--seconds S]
  --instances N   Socket.IO instances (worker processes) per configuration (default 2)
  --rooms R       rooms, each with ${SUBSCRIBERS_PER_ROOM} subscribers and 1 publisher (default 50)
  --rates A,B     total publishes/s to run every configuration at (default 2000,6000); --rate A = one rate
  --seconds S     measured seconds per configuration, after ${WARMUP_MS} ms of warm-up (default 5)`;

interface Options {
  instances: number;
  rooms: number;
  rates: number[];
  seconds: number;
}

/** One configuration's figures, over the measured window (deliveries of publishes sent in it). */
interface Result {
  kind: SocketAdapterKind;
  scenario: Scenario;
  rate: number;
  sent: number;
  seconds: number;
  expected: number;
  delivered: number;
  latency: { p50: number; p90: number; p99: number; max: number };
  /** p99 of how late the open-loop sender was behind its schedule (≈ TICK_MS when the client keeps up). */
  sendLagP99Ms: number;
  workers: WorkerStats[];
  redisCpuMs: number;
  clientEventLoopUtilization: number;
}

// ---------------------------------------------------------------------------------------------------------
// Command line

function positiveInteger(flag: string, raw: string | undefined, max: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`${flag} needs an integer in 1..${max}\n${USAGE}`);
  return value;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { instances: 2, rooms: 50, rates: [2000, 6000], seconds: 5 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    i++;
    if (flag === '--instances') options.instances = positiveInteger(flag, value, 8);
    else if (flag === '--rooms') options.rooms = positiveInteger(flag, value, 1000);
    else if (flag === '--seconds') options.seconds = positiveInteger(flag, value, 60);
    else if (flag === '--rate' || flag === '--rates') {
      options.rates = (value ?? '').split(',').map((rate) => positiveInteger(flag, rate, 100_000));
    } else throw new Error(flag === '--help' || flag === '-h' ? USAGE : `Unknown argument ${flag}\n${USAGE}`);
  }
  return options;
}

// ---------------------------------------------------------------------------------------------------------
// Small helpers

/** Wall-clock milliseconds with sub-millisecond resolution; the same clock stamps sends and receipts. */
function now(): number {
  return performance.timeOrigin + performance.now();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function at<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`no item at ${index}`);
  return item;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

// ---------------------------------------------------------------------------------------------------------
// Child processes: every one is tracked so that any exit path (error, Ctrl-C, watchdog) kills it.

const children = new Set<ChildProcess>();

function track<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function killAll(): void {
  for (const child of children) child.kill('SIGKILL');
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await withTimeout(exited, 3000, 'child exit').catch(() => child.kill('SIGKILL'));
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

// ---------------------------------------------------------------------------------------------------------
// Redis: a private, non-persistent redis-server; its CPU time comes from INFO cpu.

async function startRedis(): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = track(spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const collect = (chunk: Buffer): void => {
      if (output.length < 10_000) output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
  });
  await withTimeout(ready, 10_000, 'redis-server start');
  return { child, port };
}

/** used_cpu_user + used_cpu_sys of the whole redis-server, in ms. */
async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1000;
}

// ---------------------------------------------------------------------------------------------------------
// Workers (Socket.IO instances): forked, then driven over IPC.

function nextMessage<T extends WorkerMessage['type']>(child: ChildProcess, type: T): Promise<Extract<WorkerMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const finish = (settle: () => void): void => {
      child.off('message', onMessage);
      child.off('exit', onExit);
      settle();
    };
    const onMessage = (raw: unknown): void => {
      const message = raw as WorkerMessage;
      if (message.type === 'failed') finish(() => reject(new Error(`worker failed: ${message.error}`)));
      else if (message.type === type) finish(() => resolve(message as Extract<WorkerMessage, { type: T }>));
    };
    const onExit = (code: number | null): void => finish(() => reject(new Error(`worker exited with ${code}`)));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

function request<T extends WorkerMessage['type']>(child: ChildProcess, message: ParentMessage, reply: T): Promise<Extract<WorkerMessage, { type: T }>> {
  const answer = nextMessage(child, reply);
  child.send(message);
  return withTimeout(answer, STEP_TIMEOUT_MS, `worker ${message.type}`);
}

function forkWorker(kind: SocketAdapterKind, redisPort: number, prefix: string, index: number): ChildProcess {
  const args = [kind, `redis://127.0.0.1:${redisPort}`, prefix, String(index)];
  return track(fork(join(__dirname, 'adapter-worker.js'), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
}

// ---------------------------------------------------------------------------------------------------------
// Clients: subscribers and publishers, all socket.io-client over websocket in this process.

async function connect(port: number): Promise<Socket> {
  const socket = connectClient(`http://127.0.0.1:${port}`, { transports: ['websocket'], forceNew: true, reconnection: false });
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    }),
    STEP_TIMEOUT_MS,
    'client connect',
  );
  return socket;
}

/** Which instance subscriber `j` of room `room` connects to. */
function subscriberInstance(scenario: Scenario, room: number, j: number, instances: number): number {
  switch (scenario) {
    case 'spread':
      return j % instances;
    case 'local':
      return room % instances;
  }
}

/** Deliveries of the measured publishes: one latency sample (receive − sentAt) per delivery. */
class DeliveryRecorder {
  private windowStart = Number.POSITIVE_INFINITY;
  readonly latencies: number[] = [];

  beginWindow(at: number): void {
    this.windowStart = at;
  }

  record(sentAt: number): void {
    if (sentAt >= this.windowStart) this.latencies.push(now() - sentAt);
  }
}

interface Publisher {
  socket: Socket;
  room: string;
}

/**
 * Opens every client socket (tracked in `sockets` for teardown) and joins the subscribers to their rooms.
 * Returns one publisher per room, all on instance 0.
 */
async function openClients(
  ports: number[],
  scenario: Scenario,
  rooms: number,
  recorder: DeliveryRecorder,
  sockets: Socket[],
): Promise<Publisher[]> {
  const open = async (port: number): Promise<Socket> => {
    const socket = await connect(port);
    sockets.push(socket);
    return socket;
  };
  const subscribe = async (room: number, j: number): Promise<void> => {
    const socket = await open(at(ports, subscriberInstance(scenario, room, j, ports.length)));
    socket.on('m', (payload: { sentAt: number }) => recorder.record(payload.sentAt));
    await socket.timeout(STEP_TIMEOUT_MS).emitWithAck('join', `room-${room}`);
  };
  const roomIndexes = Array.from({ length: rooms }, (_unused, room) => room);
  await Promise.all(roomIndexes.flatMap((room) => Array.from({ length: SUBSCRIBERS_PER_ROOM }, (_unused, j) => subscribe(room, j))));
  return Promise.all(roomIndexes.map(async (room) => ({ socket: await open(at(ports, 0)), room: `room-${room}` })));
}

/** What the open-loop sender did: publishes sent, and how late each was behind its scheduled time. */
interface SendLog {
  sent: number;
  lagsMs: number[];
}

/**
 * Open-loop publishing: every tick it sends whatever the schedule says is due by now, round-robin over
 * the rooms, never waiting for replies, so an overloaded system shows up as latency and loss, not as a
 * lower offered rate. Each send's lag behind its scheduled time is logged: a lag well above TICK_MS means
 * this process (the bench client) could not keep up with the schedule.
 */
function publishOpenLoop(publishers: Publisher[], rate: number, durationMs: number): Promise<SendLog> {
  const start = performance.now();
  const log: SendLog = { sent: 0, lagsMs: [] };
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const elapsed = Math.min(performance.now() - start, durationMs);
      for (const due = Math.floor((elapsed * rate) / 1000); log.sent < due; log.sent++) {
        const { socket, room } = at(publishers, log.sent % publishers.length);
        log.lagsMs.push(performance.now() - start - (log.sent * 1000) / rate);
        socket.emit('pub', { room, sentAt: now() });
      }
      if (elapsed >= durationMs) {
        clearInterval(timer);
        resolve(log);
      }
    }, TICK_MS);
  });
}

/** Waits until every expected delivery arrived, or DRAIN_MAX_MS passed. */
async function drain(recorder: DeliveryRecorder, expected: number): Promise<void> {
  const deadline = performance.now() + DRAIN_MAX_MS;
  while (recorder.latencies.length < expected && performance.now() < deadline) await sleep(20);
}

function percentiles(samples: readonly number[]): Result['latency'] {
  const sorted = Float64Array.from(samples).sort();
  const rank = (p: number): number => (sorted.length ? (sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0) : Number.NaN);
  return { p50: rank(0.5), p90: rank(0.9), p99: rank(0.99), max: sorted.length ? (sorted[sorted.length - 1] ?? 0) : Number.NaN };
}

// ---------------------------------------------------------------------------------------------------------
// One configuration: adapter × scenario × rate, on fresh instances.

interface Run {
  kind: SocketAdapterKind;
  scenario: Scenario;
  rate: number;
  prefix: string;
}

async function runConfiguration(run: Run, options: Options, redisPort: number, command: Redis): Promise<Result> {
  const workers = Array.from({ length: options.instances }, (_unused, i) => forkWorker(run.kind, redisPort, run.prefix, i));
  const sockets: Socket[] = [];
  try {
    const ports = await Promise.all(workers.map(async (child) => (await withTimeout(nextMessage(child, 'ready'), STEP_TIMEOUT_MS, 'worker start')).port));
    const recorder = new DeliveryRecorder();
    const publishers = await openClients(ports, run.scenario, options.rooms, recorder, sockets);

    // Warm-up: subscriptions settle, JIT warms up; these publishes are not measured.
    await publishOpenLoop(publishers, run.rate, WARMUP_MS);

    // Measured window: baselines (Redis CPU, each worker's CPU/ELU/counters, this process's ELU), then publishes.
    recorder.beginWindow(now());
    const baseline = Promise.all([redisCpuMs(command), ...workers.map((child) => request(child, { type: 'start' }, 'started'))]);
    const clientElu = performance.eventLoopUtilization();
    const { sent, lagsMs } = await publishOpenLoop(publishers, run.rate, options.seconds * 1000);
    const [redisBefore] = await baseline;
    const expected = sent * SUBSCRIBERS_PER_ROOM;
    await drain(recorder, expected);

    const workerStats = await Promise.all(workers.map((child) => request(child, { type: 'stop' }, 'stats')));
    const redisAfter = await redisCpuMs(command);
    return {
      ...run,
      sent,
      seconds: options.seconds,
      expected,
      delivered: recorder.latencies.length,
      latency: percentiles(recorder.latencies),
      sendLagP99Ms: percentiles(lagsMs).p99,
      workers: workerStats,
      redisCpuMs: redisAfter - redisBefore,
      clientEventLoopUtilization: performance.eventLoopUtilization(clientElu).utilization,
    };
  } finally {
    for (const socket of sockets) socket.disconnect();
    await Promise.all(workers.map(stopChild));
  }
}

// ---------------------------------------------------------------------------------------------------------
// Report

function ms(value: number): string {
  if (!Number.isFinite(value)) return '-';
  return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
}

function pct(value: number): string {
  return `${(value * 100).toFixed(value >= 0.9995 || value === 0 ? 0 : 1)}%`;
}

function workerCpuMs(result: Result): number {
  return sum(result.workers.map((worker) => worker.cpuMs));
}

/** Worker and Redis CPU together: what the adapter choice costs the cluster. */
function totalCpuMs(result: Result): number {
  return workerCpuMs(result) + result.redisCpuMs;
}

function deliveredShare(result: Result): number {
  return result.expected ? result.delivered / result.expected : 0;
}

/** Pub/sub messages Redis pushed to the instances' adapter subscriber connections, per publish. */
function redisMessagesPerPublish(result: Result): number {
  return result.sent ? sum(result.workers.map((worker) => worker.redisMessages)) / result.sent : 0;
}

function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((cell, i) => (i < 2 ? cell.padEnd(at(widths, i)) : cell.padStart(at(widths, i)))).join('  ');
  console.log(line(headers));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows) console.log(line(row));
}

function printResults(rate: number, results: Result[], options: Options): void {
  console.log(
    `\n== ${rate} publishes/s offered, ${options.rooms} rooms × ${SUBSCRIBERS_PER_ROOM} subscribers, ${options.instances} instances, ${options.seconds} s measured ==`,
  );
  printTable(
    ['adapter', 'scenario', 'send lag p99', 'delivered', 'deliv/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'worker CPU ms (per inst.)', 'worker ELU', 'Redis CPU ms', 'Redis msgs/pub', 'client ELU'],
    results.map((result) => [
      result.kind,
      result.scenario,
      `${ms(result.sendLagP99Ms)} ms`,
      pct(deliveredShare(result)),
      (result.delivered / result.seconds).toFixed(0),
      ms(result.latency.p50),
      ms(result.latency.p90),
      ms(result.latency.p99),
      ms(result.latency.max),
      `${workerCpuMs(result).toFixed(0)} (${result.workers.map((worker) => worker.cpuMs.toFixed(0)).join('+')})`,
      result.workers.map((worker) => pct(worker.eventLoopUtilization)).join('/'),
      result.redisCpuMs.toFixed(0),
      redisMessagesPerPublish(result).toFixed(2),
      pct(result.clientEventLoopUtilization),
    ]),
  );
}

type Winner = SocketAdapterKind | 'tie';

/** Which adapter is better on one figure, with a tolerance below which the difference is noise. */
function better(classic: number, sharded: number, higherIsBetter: boolean, tolerance: number): Winner {
  if (!Number.isFinite(classic) || !Number.isFinite(sharded) || Math.abs(classic - sharded) <= tolerance) return 'tie';
  return classic > sharded === higherIsBetter ? 'classic' : 'sharded';
}

interface Comparison {
  scenario: Scenario;
  rate: number;
  classic: Result;
  sharded: Result;
  delivery: Winner;
  p99: Winner;
  cpu: Winner;
}

function compare(classic: Result, sharded: Result): Comparison {
  return {
    scenario: classic.scenario,
    rate: classic.rate,
    classic,
    sharded,
    // 0.5 percentage point of deliveries, 10% (at least 0.5 ms) of p99, 5% of CPU are treated as noise.
    delivery: better(deliveredShare(classic), deliveredShare(sharded), true, 0.005),
    p99: better(classic.latency.p99, sharded.latency.p99, false, Math.max(0.5, 0.1 * Math.min(classic.latency.p99, sharded.latency.p99))),
    cpu: better(totalCpuMs(classic), totalCpuMs(sharded), false, 0.05 * Math.min(totalCpuMs(classic), totalCpuMs(sharded))),
  };
}

function comparisons(results: Result[]): Comparison[] {
  const find = (kind: SocketAdapterKind, scenario: Scenario, rate: number): Result | undefined =>
    results.find((result) => result.kind === kind && result.scenario === scenario && result.rate === rate);
  return results.flatMap((result) => {
    if (result.kind !== 'classic') return [];
    const sharded = find('sharded', result.scenario, result.rate);
    return sharded ? [compare(result, sharded)] : [];
  });
}

function describe(comparison: Comparison): string {
  const { classic, sharded } = comparison;
  const cpuChange = (totalCpuMs(sharded) / totalCpuMs(classic) - 1) * 100;
  return (
    `at ${comparison.rate}/s sharded delivered ${pct(deliveredShare(sharded))} vs ${pct(deliveredShare(classic))}, ` +
    `p99 ${ms(sharded.latency.p99)} vs ${ms(classic.latency.p99)} ms, ` +
    `workers+Redis CPU ${totalCpuMs(sharded).toFixed(0)} vs ${totalCpuMs(classic).toFixed(0)} ms (${cpuChange >= 0 ? '+' : ''}${cpuChange.toFixed(0)}%), ` +
    `${redisMessagesPerPublish(sharded).toFixed(2)} vs ${redisMessagesPerPublish(classic).toFixed(2)} Redis messages per publish`
  );
}

/** One paragraph computed from the figures: per scenario, then who won which comparison. */
function verdict(results: Result[]): string {
  const all = comparisons(results);
  const sentences = SCENARIOS.map((scenario) => {
    const parts = all.filter((comparison) => comparison.scenario === scenario).map(describe);
    return parts.length ? `In the ${scenario} scenario (sharded vs classic), ${parts.join('; ')}.` : '';
  });
  const wins = (kind: SocketAdapterKind, among: Comparison[]): string[] =>
    among.flatMap((c) => (['delivery', 'p99', 'cpu'] as const).filter((metric) => c[metric] === kind).map((metric) => `${metric} in ${c.scenario}@${c.rate}/s`));
  const local = all.filter((comparison) => comparison.scenario === 'local');
  const shardedWins = wins('sharded', all);
  const classicWins = wins('classic', all);
  const total = all.length * 3;
  let conclusion: string;
  if (classicWins.length === 0 && shardedWins.length > 0) {
    conclusion = `Sharded was better or within noise on all ${total} comparisons (delivery, p99, CPU) and better on ${shardedWins.length} of them, so it is the one to keep (SOCKET_ADAPTER=sharded).`;
  } else if (shardedWins.length === 0 && classicWins.length > 0) {
    conclusion = `Classic was better or within noise on all ${total} comparisons and better on ${classicWins.length}, so sharded pub/sub does not pay off at this scale.`;
  } else if (shardedWins.length === 0) {
    conclusion = `The two adapters were within noise of each other on every comparison.`;
  } else {
    const localCpu = local.filter((c) => c.cpu === 'sharded').length;
    conclusion =
      `Mixed figures: sharded was better on ${shardedWins.length} of ${total} comparisons (${shardedWins.join(', ')}), ` +
      `classic on ${classicWins.length} (${classicWins.join(', ')}); sharded used less CPU in ${localCpu} of ${local.length} local runs.`;
  }
  const saturatedClient = results.filter((result) => result.clientEventLoopUtilization > 0.9).map((r) => `${r.kind}/${r.scenario}@${r.rate}/s`);
  const caveat = saturatedClient.length
    ? ` The bench client's event loop was over 90% busy in ${saturatedClient.join(', ')}, so those figures partly measure the client.`
    : '';
  return [...sentences.filter(Boolean), conclusion].join(' ') + caveat;
}

// ---------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const redis = await startRedis();
  const command = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  const results: Result[] = [];
  try {
    let n = 0;
    for (const rate of options.rates) {
      const atRate: Result[] = [];
      for (const scenario of SCENARIOS) {
        for (const kind of ADAPTERS) {
          console.error(`  running ${kind} / ${scenario} at ${rate}/s ...`);
          atRate.push(await runConfiguration({ kind, scenario, rate, prefix: `bench${n++}` }, options, redis.port, command));
        }
      }
      printResults(rate, atRate, options);
      results.push(...atRate);
    }
    console.log(`\nVerdict: ${verdict(results)}`);
  } finally {
    command.disconnect();
    await stopChild(redis.child);
  }
}

// Whatever happens, no child outlives this process, and the run is bounded.
process.on('exit', killAll);
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));
setTimeout(() => {
  console.error(`bench:adapter did not finish within ${TOTAL_TIMEOUT_MS / 1000} s`);
  process.exit(1);
}, TOTAL_TIMEOUT_MS).unref();

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
