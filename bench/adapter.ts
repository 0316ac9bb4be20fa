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
 *
 * Measured per configuration:
 *   - deliveries of the window's publishes (4 expected per publish) and their latency, receive time minus
 *     the sentAt carried in the payload, both stamped in this process with the same clock;
 *   - what the load cost (warm-up + window + drain): each instance's CPU and event-loop utilisation and the
 *     pub/sub messages Redis pushed to its adapter subscriber connection, redis-server CPU (INFO cpu), this
 *     process's CPU, and CPU used by anything else on the machine (to flag disturbed runs);
 *   - how far the open-loop sender ran behind its schedule (whether the bench client kept up).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from '../tools/ports';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { io as connectClient, type Socket } from 'socket.io-client';
import { readMachineCpuTimes } from '../apps/loadtest/src/machine-cpu';
import type { ParentMessage, SocketAdapterKind, WorkerMessage, WorkerStats } from './adapter-worker';

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
/** A run is disturbed when other processes (or the hypervisor) took more than this share of one core. */
const DISTURBED_SHARE = 0.1;
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

/** What a configuration's load cost, from the first warm-up publish until the measured deliveries drained. */
interface Costs {
  /** Each worker's CPU, event-loop utilisation and Redis messages received. */
  workers: WorkerStats[];
  /** The redis-server process (INFO cpu). */
  redisCpuMs: number;
  /** This process: the bench client (all sockets) and the open-loop sender. */
  clientCpuMs: number;
  clientEventLoopUtilization: number;
  /** Machine-wide process CPU that none of the above used, i.e. other processes; NaN if unknown. */
  otherCpuMs: number;
  /** CPU time the hypervisor gave to other guests; NaN if unknown. */
  stealMs: number;
  wallMs: number;
}

/** One configuration's figures, over the measured window (deliveries of publishes sent in it). */
interface Result extends Costs {
  kind: SocketAdapterKind;
  scenario: Scenario;
  rate: number;
  /** Publishes sent in the measured window. */
  sent: number;
  /** Publishes the costs cover (warm-up + window). */
  costedPublishes: number;
  seconds: number;
  expected: number;
  delivered: number;
  latency: { p50: number; p90: number; p99: number; max: number };
  /** p99 of how late the open-loop sender was behind its schedule (≈ TICK_MS when the client keeps up). */
  sendLagP99Ms: number;
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
// The machine: CPU used by anything else during a run (other processes, kernel work, the hypervisor).

interface MachineCpu {
  busyMs: number;
  stealMs: number;
}

/**
 * Machine-wide CPU time over all cores from /proc/stat (USER_HZ = 100); undefined where there is none.
 * Only process time (user, nice, system) counts as busy: interrupt/softirq time, mostly the kernel moving
 * this benchmark's own loopback packets, is not charged to any process and is left out.
 */
function machineCpu(): MachineCpu | undefined {
  const times = readMachineCpuTimes();
  return times ? { busyMs: times.process * 10, stealMs: times.steal * 10 } : undefined;
}

/** The process's own user + system CPU time, in ms. */
function ownCpuMs(since?: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

// ---------------------------------------------------------------------------------------------------------
// Workers (Socket.IO instances): forked, then driven over IPC.

function nextMessage<T extends WorkerMessage['type']>(child: ChildProcess, type: T): Promise<Extract<WorkerMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      reject(new Error(`worker already exited (${child.exitCode ?? child.signalCode})`));
      return;
    }
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
  const sendFailure = new Promise<never>((_resolve, reject) => {
    child.send(message, (error) => {
      if (error) reject(error);
    });
  });
  return withTimeout(Promise.race([answer, sendFailure]), STEP_TIMEOUT_MS, `worker ${message.type}`);
}

function forkWorker(kind: SocketAdapterKind, redisPort: number, prefix: string, index: number): ChildProcess {
  const args = [kind, `redis://127.0.0.1:${redisPort}`, prefix, String(index)];
  return track(fork(join(__dirname, 'adapter-worker.js'), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
}

/**
 * Takes the baselines of what the load will cost: Redis, every worker, this process and the machine as a
 * whole. The returned function takes the final readings and returns the deltas.
 */
async function measureCosts(workers: ChildProcess[], command: Redis): Promise<() => Promise<Costs>> {
  const [redisBefore] = await Promise.all([redisCpuMs(command), ...workers.map((child) => request(child, { type: 'start' }, 'started'))]);
  const startedAt = performance.now();
  const machineBefore = machineCpu();
  const clientCpu = process.cpuUsage();
  const clientElu = performance.eventLoopUtilization();
  return async () => {
    const workerStats = await Promise.all(workers.map((child) => request(child, { type: 'stop' }, 'stats')));
    const redisCpu = (await redisCpuMs(command)) - redisBefore;
    const clientCpuMs = ownCpuMs(clientCpu);
    const clientEventLoopUtilization = performance.eventLoopUtilization(clientElu).utilization;
    const machineAfter = machineCpu();
    const ours = sum(workerStats.map((worker) => worker.cpuMs)) + redisCpu + clientCpuMs;
    return {
      workers: workerStats,
      redisCpuMs: redisCpu,
      clientCpuMs,
      clientEventLoopUtilization,
      otherCpuMs: machineBefore && machineAfter ? Math.max(0, machineAfter.busyMs - machineBefore.busyMs - ours) : Number.NaN,
      stealMs: machineBefore && machineAfter ? machineAfter.stealMs - machineBefore.stealMs : Number.NaN,
      wallMs: performance.now() - startedAt,
    };
  };
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

/**
 * Deliveries of the measured publishes: one latency sample (receive − sentAt) per delivery that arrives
 * between `beginWindow` and `close` (the end of the drain; later ones count as lost).
 */
class DeliveryRecorder {
  private windowStart = Number.POSITIVE_INFINITY;
  private closed = false;
  readonly latencies: number[] = [];

  beginWindow(at: number): void {
    this.windowStart = at;
  }

  record(sentAt: number): void {
    if (!this.closed && sentAt >= this.windowStart) this.latencies.push(now() - sentAt);
  }

  close(): void {
    this.closed = true;
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

    // Costs (CPU, ELU, Redis messages) run from before the warm-up until drained: the baselines are taken
    // while the instances are idle, so a saturated event loop cannot delay them.
    const finishCosts = await measureCosts(workers, command);
    // Warm-up: subscriptions settle, JIT warms up; latency and deliveries of these publishes are not measured.
    const warmup = await publishOpenLoop(publishers, run.rate, WARMUP_MS);
    // Measured window: deliveries and latency of the publishes sent from here on.
    recorder.beginWindow(now());
    const { sent, lagsMs } = await publishOpenLoop(publishers, run.rate, options.seconds * 1000);
    const expected = sent * SUBSCRIBERS_PER_ROOM;
    await drain(recorder, expected);
    recorder.close();
    return {
      ...run,
      ...(await finishCosts()),
      costedPublishes: warmup.sent + sent,
      sent,
      seconds: options.seconds,
      expected,
      delivered: recorder.latencies.length,
      latency: percentiles(recorder.latencies),
      sendLagP99Ms: percentiles(lagsMs).p99,
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
  return result.costedPublishes ? sum(result.workers.map((worker) => worker.redisMessages)) / result.costedPublishes : 0;
}

/** Other processes or the hypervisor took a noticeable share of the machine during the window. */
function disturbed(result: Result): boolean {
  return result.otherCpuMs + result.stealMs > DISTURBED_SHARE * result.wallMs;
}

function label(result: Result): string {
  return `${result.kind}/${result.scenario}@${result.rate}/s`;
}

/** Table order: by scenario, then classic before sharded. */
function sorted(results: Result[]): Result[] {
  const rank = (result: Result): number => SCENARIOS.indexOf(result.scenario) * ADAPTERS.length + ADAPTERS.indexOf(result.kind);
  return [...results].sort((a, b) => rank(a) - rank(b));
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
    ['adapter', 'scenario', 'send lag p99', 'delivered', 'deliv/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'worker CPU ms (per inst.)', 'worker ELU', 'Redis CPU ms', 'Redis msgs/pub', 'client CPU ms (ELU)', 'other/steal ms'],
    sorted(results).map((result) => [
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
      `${result.clientCpuMs.toFixed(0)} (${pct(result.clientEventLoopUtilization)})`,
      `${Number.isFinite(result.otherCpuMs) ? result.otherCpuMs.toFixed(0) : '-'}/${Number.isFinite(result.stealMs) ? result.stealMs.toFixed(0) : '-'}${disturbed(result) ? ' !' : ''}`,
    ]),
  );
}

const LEGEND = `
send lag p99: how far the open-loop sender ran behind its schedule (about ${TICK_MS} ms when this process keeps up).
delivered: deliveries received by ${DRAIN_MAX_MS / 1000} s after the last publish / ${SUBSCRIBERS_PER_ROOM} per publish sent in the window.
latency (p50..max): receive time - sentAt of the window's deliveries, both stamped in this process.
CPU and ELU columns cover the whole load: ${WARMUP_MS / 1000} s warm-up + the measured window + the drain.
worker CPU, ELU: user+sys CPU and event-loop utilisation of each instance. Redis CPU: INFO used_cpu_user+sys.
Redis msgs/pub: pub/sub messages Redis pushed to the instances' adapter subscriber connections, per publish
(counted until the drain ends, so lower than the truth when an instance is still backlogged by then).
client: this process (all client sockets). other/steal: CPU used by other processes / stolen by the hypervisor;
'!' marks a disturbed run (over ${DISTURBED_SHARE * 100}% of a core), whose figures are not trustworthy.`;

type Winner = SocketAdapterKind | 'tie';

/** Run-to-run noise observed on a 2-core machine: smaller differences count as a tie. */
const NOISE = { deliveredShare: 0.005, p99Share: 0.3, p99MinMs: 1, cpuShare: 0.1 };

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
    // Differences below NOISE are not counted. p99 over a few seconds moves a lot between identical runs (one GC
    // pause or scheduling hiccup); CPU time near saturation varies by ~10% on a 2-core machine shared with the client.
    delivery: better(deliveredShare(classic), deliveredShare(sharded), true, NOISE.deliveredShare),
    p99: better(classic.latency.p99, sharded.latency.p99, false, Math.max(NOISE.p99MinMs, NOISE.p99Share * Math.min(classic.latency.p99, sharded.latency.p99))),
    cpu: better(totalCpuMs(classic), totalCpuMs(sharded), false, NOISE.cpuShare * Math.min(totalCpuMs(classic), totalCpuMs(sharded))),
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
    `workers+Redis CPU ${totalCpuMs(sharded).toFixed(0)} vs ${totalCpuMs(classic).toFixed(0)} ms (${cpuChange >= 0 ? '+' : ''}${cpuChange.toFixed(0)}%; ` +
    `Redis alone ${sharded.redisCpuMs.toFixed(0)} vs ${classic.redisCpuMs.toFixed(0)} ms), ` +
    `${redisMessagesPerPublish(sharded).toFixed(2)} vs ${redisMessagesPerPublish(classic).toFixed(2)} Redis messages per publish`
  );
}

/** Where `kind` was the better adapter, as "metric in scenario@rate" labels. */
function wins(kind: SocketAdapterKind, among: Comparison[]): string[] {
  return among.flatMap((c) => (['delivery', 'p99', 'cpu'] as const).filter((metric) => c[metric] === kind).map((metric) => `${metric} in ${c.scenario}@${c.rate}/s`));
}

function summary(all: Comparison[]): string {
  const sharded = wins('sharded', all);
  const classic = wins('classic', all);
  const total = all.length * 3;
  if (sharded.length === 0 && classic.length === 0) {
    return `The two adapters were within noise (CPU ±${NOISE.cpuShare * 100}%, p99 ±${NOISE.p99Share * 100}%) of each other on all ${total} comparisons: either will do at this scale.`;
  }
  const [leader, leaderWins, other, otherWins]: [SocketAdapterKind, string[], SocketAdapterKind, string[]] =
    sharded.length >= classic.length ? ['sharded', sharded, 'classic', classic] : ['classic', classic, 'sharded', sharded];
  if (leaderWins.length === otherWins.length) {
    return `The comparisons split evenly: sharded better on ${sharded.join(', ')}; classic better on ${classic.join(', ')}; no clear winner at this scale.`;
  }
  const against = otherWins.length ? `${other} only on ${otherWins.length} (${otherWins.join(', ')})` : `${other} on none`;
  return (
    `Overall ${leader} came out ahead: better on ${leaderWins.length} of ${total} comparisons (${leaderWins.join(', ')}), ${against}, ` +
    `the rest within noise (CPU ±${NOISE.cpuShare * 100}%, p99 ±${NOISE.p99Share * 100}%).`
  );
}

/** How Redis's own CPU moved with sharded, comparison by comparison (what the per-room channels cost or save Redis). */
function redisCpuSentence(among: Comparison[]): string {
  const changes = among.map((c) => (c.sharded.redisCpuMs / c.classic.redisCpuMs - 1) * 100);
  const lower = changes.filter((change) => change < -NOISE.cpuShare * 100).length;
  const list = changes.map((change) => `${change >= 0 ? '+' : ''}${change.toFixed(0)}%`).join(', ');
  return `Redis's own CPU with sharded vs classic: ${list} (lower beyond noise in ${lower} of ${among.length}).`;
}

/** Runs where the bench client itself was the bottleneck (busy event loop, or sends late on their schedule). */
function clientCaveat(results: Result[]): string {
  const saturated = results.filter((result) => result.clientEventLoopUtilization > 0.9 || result.sendLagP99Ms > 5 * TICK_MS).map(label);
  return saturated.length
    ? ` In ${saturated.join(', ')} the bench client (sharing the cores with the instances and Redis) fell behind its schedule ` +
        `(send lag p99 over ${5 * TICK_MS} ms) or was over 90% busy, so part of those latencies is the client's own queueing.`
    : '';
}

/** One paragraph computed from the figures: each scenario, then which adapter won which comparison. */
function verdict(results: Result[]): string {
  const all = comparisons(results);
  const sentences = SCENARIOS.map((scenario) => {
    const parts = all.filter((comparison) => comparison.scenario === scenario).map(describe);
    return parts.length ? `In the ${scenario} scenario (sharded vs classic), ${parts.join('; ')}.` : '';
  });
  // Comparisons with a disturbed side say more about the machine than about the adapters: left out of the tally.
  const clean = all.filter((comparison) => !disturbed(comparison.classic) && !disturbed(comparison.sharded));
  const noisy = results.filter(disturbed).map(label);
  const tally = clean.length
    ? `${redisCpuSentence(clean)} ${summary(clean)}` + (noisy.length ? ` (Not counted: ${noisy.join(', ')}, disturbed by other load on the machine.)` : '')
    : `Every comparison had a run disturbed by other load on the machine (${noisy.join(', ')}): no verdict, rerun on an idle machine.`;
  return [...sentences.filter(Boolean), tally].join(' ') + clientCaveat(results);
}

// ---------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const redis = await startRedis();
  const command = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  const results: Result[] = [];
  try {
    let n = 0;
    for (const [rateIndex, rate] of options.rates.entries()) {
      const atRate: Result[] = [];
      for (const [scenarioIndex, scenario] of SCENARIOS.entries()) {
        // Which adapter goes first alternates, so neither always runs on the fresher (or warmer) machine.
        for (const kind of (rateIndex + scenarioIndex) % 2 === 0 ? ADAPTERS : [...ADAPTERS].reverse()) {
          console.error(`  running ${kind} / ${scenario} at ${rate}/s ...`);
          atRate.push(await runConfiguration({ kind, scenario, rate, prefix: `bench${n++}` }, options, redis.port, command));
        }
      }
      printResults(rate, atRate, options);
      results.push(...atRate);
    }
    console.log(LEGEND);
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
