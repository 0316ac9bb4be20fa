/**
 * `npm run bench`: Parley (2 instances, Redis, PostgreSQL) against a bare Socket.IO + redis-adapter relay
 * (bench/relay.ts, 2 instances, same Redis) on this machine, with the same load tool (apps/loadtest, its
 * `socket` driver for both). First, paired runs at fixed rates (relay and Parley alternating, `--pairs` of
 * each at every `--fixed-rates` rate); then it steps the offered rate up for both systems together (at each
 * rate one's step, then the other's) and prints:
 *
 *   - at the fixed rates: medians (and ranges) of server-side CPU per 1000 delivered messages — instances,
 *     PostgreSQL and Redis, user + system time from /proc — and of end-to-end p50/p99, with Parley / relay;
 *   - per step: offered and delivered rates, delivered share, end-to-end p50/p99, errors;
 *   - the highest rate with p99 ≤ 50 ms and ≥ 99.9 % delivered, for both, and their ratio;
 *   - p99 of both at half the relay's best rate;
 *   - Parley only: persisted messages per second, history page latency in a room of 1 000 000 messages,
 *     catch-up time of 10 000 missed messages; for both: memory per idle connection at 10 000 connections.
 *
 * Results go to bench-results/ (bench.json, bench.md and each step's loadtest report). Everything runs on
 * 127.0.0.1, is bounded in time and stops by itself. See docs/performance.md for the method.
 *
 *   npm run bench -- [--quick] [--rates 500,1000,…] [--seconds S] [--warmup-seconds S] [--clients N]
 *                    [--room-size N] [--connections N] [--systems parley,relay] [--steps-only]
 *                    [--fixed-rates 1000,2000] [--pairs N] [--fixed-seconds S] [--fixed-only] [--persisted-only]
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaults, type LoadtestOptions } from '../apps/loadtest/src/options';
import { runLoadtest, seedOnly } from '../apps/loadtest/src/runner';
import { parseSeed, type SeedFile } from '../apps/loadtest/src/seed';
import { measureHistory, measureIdleMemory, measurePersisted, type HistoryFigures, type MemoryFigures, type PersistedFigures } from './extras';
import { cpuBetween, readServerCpu, type ServerCpu, type ServerProcesses } from './server-cpu';
import { RELAY_STORES, REPO_ROOT, startStack, type Instance, type Stack } from './stack';

type System = 'parley' | 'relay';
const SYSTEMS: readonly System[] = ['relay', 'parley'];

/** The pass mark of a step. */
const P99_LIMIT_MS = 50;
const DELIVERED_MIN = 0.999;

interface BenchOptions {
  rates: number[];
  seconds: number;
  warmup: number;
  /** Unrecorded run of each system at the lowest rate before its steps: a fresh stack starts cold. */
  systemWarmup: number;
  clients: number;
  roomSize: number;
  size: number;
  connections: number;
  historyMessages: number;
  quick: boolean;
  /** Only the rate steps (for profiling and quick comparisons). */
  stepsOnly: boolean;
  /** Rates of the paired fixed-rate runs (the CPU gate). */
  fixedRates: number[];
  /** Runs of each system at each fixed rate. */
  pairs: number;
  fixedSeconds: number;
  /** Only the paired fixed-rate runs. */
  fixedOnly: boolean;
  /** Only the closed loop of persisted messages (Parley alone), e.g. to profile it. */
  persistedOnly: boolean;
  systems: System[];
}

const FULL_RATES = [250, 500, 750, 1000, 1500, 2000, 2500, 3000, 4000, 5000, 6000];
const QUICK_RATES = [500, 1000, 2000];

function parseArgs(argv: string[]): BenchOptions {
  const quick = argv.includes('--quick');
  const options: BenchOptions = {
    rates: quick ? QUICK_RATES : FULL_RATES,
    seconds: quick ? 4 : 10,
    warmup: quick ? 1 : 3,
    systemWarmup: quick ? 10 : 20,
    clients: 400,
    roomSize: 5,
    size: 100,
    connections: quick ? 1000 : 10_000,
    historyMessages: quick ? 100_000 : 1_000_000,
    quick,
    stepsOnly: argv.includes('--steps-only'),
    fixedRates: quick ? [1000] : [1000, 2000],
    pairs: quick ? 1 : 3,
    fixedSeconds: quick ? 5 : 10,
    fixedOnly: argv.includes('--fixed-only'),
    persistedOnly: argv.includes('--persisted-only'),
    systems: [...SYSTEMS],
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const number = Number(value);
    if (flag === '--quick' || flag === '--steps-only' || flag === '--fixed-only' || flag === '--persisted-only') continue;
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--rates') options.rates = value.split(',').map(Number);
    else if (flag === '--seconds') options.seconds = number;
    else if (flag === '--warmup-seconds') options.systemWarmup = number;
    else if (flag === '--clients') options.clients = number;
    else if (flag === '--room-size') options.roomSize = number;
    else if (flag === '--connections') options.connections = number;
    else if (flag === '--systems') options.systems = SYSTEMS.filter((system) => value.split(',').includes(system));
    else if (flag === '--fixed-rates') options.fixedRates = value === 'none' ? [] : value.split(',').map(Number);
    else if (flag === '--pairs') options.pairs = number;
    else if (flag === '--fixed-seconds') options.fixedSeconds = number;
    else throw new Error(`Unknown argument ${flag} (see the header of bench/compare.ts)`);
    i++;
  }
  if ([...options.rates, ...options.fixedRates].some((rate) => !Number.isFinite(rate) || rate <= 0 || rate > 100_000)) throw new Error('--rates, --fixed-rates: numbers from 1 to 100000');
  if (!Number.isInteger(options.pairs) || options.pairs < 1 || options.pairs > 20) throw new Error('--pairs: 1 to 20');
  if (!Number.isFinite(options.fixedSeconds) || options.fixedSeconds < 1 || options.fixedSeconds > 120) throw new Error('--fixed-seconds: 1 to 120');
  if (!Number.isFinite(options.seconds) || options.seconds < 1 || options.seconds > 120) throw new Error('--seconds: 1 to 120');
  if (!Number.isFinite(options.systemWarmup) || options.systemWarmup < 0 || options.systemWarmup > 600) throw new Error('--warmup-seconds: 0 to 600');
  if (!Number.isInteger(options.connections) || options.connections < 10 || options.connections > 20_000) throw new Error('--connections: 10 to 20000');
  return options;
}

export interface Step {
  system: System;
  rate: number;
  achievedRate: number;
  expectedPerSecond: number;
  deliveredPerSecond: number;
  delivered: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
  ackP99: number | null;
  errors: number;
  passed: boolean;
  serverCpuPercent: Array<number | null>;
  /** Share of the machine's CPU time the hypervisor gave to other guests during the step (null off Linux). */
  stealPercent: number | null;
  /** Server-side CPU ms (user + system) per 1000 delivered messages over the measured window; null if none was delivered. */
  cpuPer1000: (ServerCpu & { total: number }) | null;
}

const log = (line: string): void => console.log(`[bench] ${line}`);

/** One system as the steps drive it: its instances' URLs, its provisioned users and its server processes. */
interface SystemUnderTest {
  system: System;
  urls: string[];
  seedFile: string;
  processes: ServerProcesses;
}

async function step(sut: SystemUnderTest, rate: number, options: BenchOptions, seconds = options.seconds, recorded = true): Promise<Step> {
  const { system, processes } = sut;
  let cpuAtStart: ServerCpu | undefined;
  let cpu: ServerCpu | undefined;
  const loadtest: LoadtestOptions = {
    ...defaults(),
    targets: sut.urls,
    clients: options.clients,
    roomSize: options.roomSize,
    rate,
    size: options.size,
    duration: seconds,
    warmup: options.warmup,
    out: join(REPO_ROOT, 'bench-results', `${system}-${rate}`),
    seed: sut.seedFile,
    driver: 'socket',
    concurrency: 50,
  };
  const { result } = await runLoadtest(loadtest, {
    onMeasureWindow: (edge) => {
      if (edge === 'start') cpuAtStart = readServerCpu(processes);
      else if (cpuAtStart) cpu = cpuBetween(cpuAtStart, readServerCpu(processes));
    },
  });
  const thousands = result.deliveries.delivered / 1000;
  const p99 = result.latency.endToEnd?.p99 ?? null;
  const outcome: Step = {
    system,
    rate,
    achievedRate: result.sends.achievedRate,
    expectedPerSecond: result.deliveries.expectedPerSecond,
    deliveredPerSecond: result.deliveries.deliveredPerSecond,
    delivered: result.deliveries.ratio,
    p50: result.latency.endToEnd?.p50 ?? null,
    p99,
    max: result.latency.endToEnd?.max ?? null,
    ackP99: result.latency.ack?.p99 ?? null,
    errors: result.errors.total,
    passed: p99 !== null && p99 <= P99_LIMIT_MS && result.deliveries.ratio >= DELIVERED_MIN,
    serverCpuPercent: result.servers.map((server) => server.cpuPercent ?? null),
    stealPercent: result.machine.stealPercent,
    cpuPer1000:
      cpu && thousands > 0
        ? {
            instances: cpu.instances / thousands,
            postgres: cpu.postgres / thousands,
            redis: cpu.redis / thousands,
            total: (cpu.instances + cpu.postgres + cpu.redis) / thousands,
          }
        : null,
  };
  log(
    `${system.padEnd(6)} ${String(rate).padStart(6)} msg/s: delivered ${(outcome.delivered * 100).toFixed(2)} %, ` +
      `p50 ${outcome.p50 ?? '-'} ms, p99 ${outcome.p99 ?? '-'} ms, errors ${outcome.errors}, steal ${outcome.stealPercent ?? '-'} %, ` +
      `CPU per 1000 delivered ${fmt(outcome.cpuPer1000?.total, 0)} ms → ` +
      (recorded ? (outcome.passed ? 'pass' : 'FAIL') : 'warm-up, not recorded'),
  );
  return outcome;
}

/**
 * Steps both systems up together: at each rate one system's step, then the other's, so both meet the same
 * spell of the machine (on a shared VM the CPU left to it varies by the minute). Which goes first alternates
 * by rate. A system stops after two failed steps in a row (a single noisy step does not end its search).
 */
async function stepUpTogether(suts: SystemUnderTest[], options: BenchOptions): Promise<Record<System, Step[]>> {
  const steps: Record<System, Step[]> = { parley: [], relay: [] };
  const failures: Record<System, number> = { parley: 0, relay: 0 };
  for (const [index, rate] of options.rates.entries()) {
    const active = suts.filter((sut) => failures[sut.system] < 2);
    if (active.length === 0) break;
    for (const sut of index % 2 === 0 ? active : [...active].reverse()) {
      const outcome = await step(sut, rate, options);
      steps[sut.system].push(outcome);
      failures[sut.system] = outcome.passed ? 0 : failures[sut.system] + 1;
    }
  }
  return steps;
}

/**
 * Fresh processes are cold (JIT, pools, PostgreSQL's caches and its first autovacuum after the seeding):
 * the first recorded step would measure that instead of the system.
 */
async function warmUp(suts: SystemUnderTest[], options: BenchOptions): Promise<void> {
  const rate = options.fixedRates[0] ?? options.rates[0];
  if (rate === undefined || options.systemWarmup <= 0) return;
  for (const sut of suts) {
    log(`${sut.system}: warming up at ${rate} msg/s for ${options.systemWarmup} s (not recorded)`);
    await step(sut, rate, options, options.systemWarmup, false);
  }
}

/**
 * The gate: at each fixed rate, `pairs` runs of each system, alternating (relay, Parley, Parley, relay, …)
 * so that a spell of the shared machine falls on both. Medians of these are what the report compares.
 */
async function fixedRatePairs(suts: SystemUnderTest[], options: BenchOptions): Promise<Record<System, Step[]>> {
  const steps: Record<System, Step[]> = { parley: [], relay: [] };
  for (const rate of options.fixedRates) {
    for (let pair = 0; pair < options.pairs; pair++) {
      for (const sut of pair % 2 === 0 ? suts : [...suts].reverse()) steps[sut.system].push(await step(sut, rate, options, options.fixedSeconds));
    }
  }
  return steps;
}

function bestRate(steps: Step[]): number {
  return Math.max(0, ...steps.filter((s) => s.passed).map((s) => s.rate));
}

async function seedFor(system: System, targets: string[], options: BenchOptions): Promise<{ file: string; seed: SeedFile }> {
  const out = join(REPO_ROOT, 'bench-results', `${system}-seed`);
  const started = Date.now();
  const { seedFile } = await seedOnly({
    ...defaults(),
    targets,
    clients: options.clients,
    roomSize: options.roomSize,
    out,
    prefix: `b${Date.now().toString(36).slice(-5)}${system[0]}_`,
    concurrency: 20,
  });
  log(`${system}: ${options.clients} users in rooms of ${options.roomSize} provisioned through the API in ${Date.now() - started} ms`);
  return { file: seedFile, seed: parseSeed(await readFile(seedFile, 'utf8')) };
}

interface BenchReport {
  machine: { cpus: number; node: string; date: string };
  options: BenchOptions;
  /** The paired fixed-rate runs (the CPU gate). */
  fixed: Record<System, Step[]>;
  /** The step-up sweep; absent with --fixed-only. */
  sweep?: { steps: Record<System, Step[]>; best: Record<System, number>; half: { rate: number; parley: Step; relay: Step } | null };
  /** Parley-only figures and memory; absent with --fixed-only. */
  extras?: { persisted: PersistedFigures; history: HistoryFigures; memory: Record<System, MemoryFigures> };
}

const fmt = (value: number | null | undefined, digits = 1): string => (value === null || value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits));
const ratio = (a: number | null | undefined, b: number | null | undefined): string => (a && b ? (a / b).toFixed(2) : '-');

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** "median (min–max)" of a figure over runs; the range only when there are several. */
function spread(values: Array<number | null | undefined>, digits: number): string {
  const present = values.filter((value): value is number => value !== null && value !== undefined && Number.isFinite(value));
  const middle = median(present);
  if (middle === null) return '-';
  if (present.length < 2) return fmt(middle, digits);
  return `${fmt(middle, digits)} (${fmt(Math.min(...present), digits)}–${fmt(Math.max(...present), digits)})`;
}

function renderFixed(fixed: Record<System, Step[]>, options: BenchOptions): string[] {
  const lines: string[] = [];
  const runs = (system: System, rate: number): Step[] => fixed[system].filter((s) => s.rate === rate);
  const medianOf = (steps: Step[], pick: (s: Step) => number | null | undefined): number | null =>
    median(steps.map(pick).filter((value): value is number => value !== null && value !== undefined));
  lines.push(
    `Fixed rates: ${options.pairs} run(s) of each system per rate, alternating, ${options.warmup} s warm-up + ${options.fixedSeconds} s measured each. ` +
      'Server-side CPU = user + system time (from /proc) of the instances, PostgreSQL (every process of its server) and Redis over the measured window, ' +
      'per 1000 delivered messages; medians, with the range over runs in parentheses.',
  );
  lines.push('');
  lines.push('| msg/s | system | CPU ms / 1000 delivered | instances | PostgreSQL | Redis | Parley / relay | p50 ms | p99 ms | p99 Parley / relay | delivered | steal % |');
  lines.push('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const rate of options.fixedRates) {
    const relay = runs('relay', rate);
    const parley = runs('parley', rate);
    for (const [system, steps] of [['relay', relay], ['parley', parley]] as const) {
      if (steps.length === 0) continue;
      const isParley = system === 'parley';
      const cpuRatio = isParley ? ratio(medianOf(parley, (s) => s.cpuPer1000?.total), medianOf(relay, (s) => s.cpuPer1000?.total)) : '';
      const p99Ratio = isParley ? ratio(medianOf(parley, (s) => s.p99), medianOf(relay, (s) => s.p99)) : '';
      lines.push(
        `| ${rate} | ${system} | ${[
          spread(steps.map((s) => s.cpuPer1000?.total), 0),
          spread(steps.map((s) => s.cpuPer1000?.instances), 0),
          spread(steps.map((s) => s.cpuPer1000?.postgres), 0),
          spread(steps.map((s) => s.cpuPer1000?.redis), 0),
          cpuRatio,
          spread(steps.map((s) => s.p50), 1),
          spread(steps.map((s) => s.p99), 1),
          p99Ratio,
          spread(steps.map((s) => s.delivered * 100), 2) + ' %',
          spread(steps.map((s) => s.stealPercent), 1),
        ].join(' | ')} |`,
      );
    }
  }
  return lines;
}

function renderReport(report: BenchReport): string {
  const lines: string[] = [];
  const { options } = report;
  const relay = RELAY_STORES ? 'the storing relay (Socket.IO relay + group-committed INSERTs into PostgreSQL)' : 'bare Socket.IO relay';
  lines.push(`## Parley vs ${relay} — ${report.machine.date}, ${report.machine.cpus} cores, Node ${report.machine.node}`);
  lines.push('');
  lines.push(
    `Workload: ${options.clients} clients in rooms of ${options.roomSize} (${options.roomSize - 1} recipients per message), ${options.size}-character messages, ` +
      `2 instances per system, clients spread over both, ${options.systemWarmup} s unrecorded warm-up per system. ` +
      "CPU steal is the share of the machine's CPU time the hypervisor gave to other guests during a run.",
  );
  lines.push('');
  if (options.fixedRates.length > 0) {
    lines.push(...renderFixed(report.fixed, options));
    lines.push('');
  }
  if (report.sweep) {
    const { steps, best, half } = report.sweep;
    lines.push(`Step-up: ${options.warmup} s warm-up + ${options.seconds} s measured per step; at each rate the two systems' steps run back to back.`);
    lines.push('');
    lines.push('| offered msg/s | Parley delivered/s | Parley delivered | Parley p50 / p99 ms | relay delivered/s | relay delivered | relay p50 / p99 ms | p99 ratio | CPU steal %, Parley / relay |');
    lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    const rates = [...new Set([...steps.parley, ...steps.relay].map((s) => s.rate))].sort((a, b) => a - b);
    for (const rate of rates) {
      const p = steps.parley.find((s) => s.rate === rate);
      const r = steps.relay.find((s) => s.rate === rate);
      const cell = (s: Step | undefined): string[] =>
        s ? [fmt(s.deliveredPerSecond, 0), `${(s.delivered * 100).toFixed(2)} %${s.passed ? '' : ' ✗'}`, `${fmt(s.p50)} / ${fmt(s.p99)}`] : ['-', '-', '-'];
      lines.push(`| ${rate} | ${[...cell(p), ...cell(r), ratio(p?.p99, r?.p99), `${fmt(p?.stealPercent)} / ${fmt(r?.stealPercent)}`].join(' | ')} |`);
    }
    lines.push('');
    lines.push(`Best rate with p99 ≤ ${P99_LIMIT_MS} ms and ≥ ${DELIVERED_MIN * 100} % delivered (msg/s offered and delivered; deliveries/s = × ${options.roomSize - 1}):`);
    lines.push('');
    lines.push('| | Parley | relay | Parley / relay |');
    lines.push('|---|---:|---:|---:|');
    lines.push(`| best rate (msg/s) | ${best.parley} | ${best.relay} | ${ratio(best.parley, best.relay)} |`);
    if (half) {
      lines.push(`| p99 at ${half.rate} msg/s (half the relay's best), ms | ${fmt(half.parley.p99)} | ${fmt(half.relay.p99)} | ${ratio(half.parley.p99, half.relay.p99)} |`);
      lines.push(`| p50 at ${half.rate} msg/s, ms | ${fmt(half.parley.p50)} | ${fmt(half.relay.p50)} | ${ratio(half.parley.p50, half.relay.p50)} |`);
    }
  }
  if (report.extras) {
    const { persisted, history, memory } = report.extras;
    lines.push(
      `| memory per idle connection at ${memory.parley.connections} connections (RSS), KiB | ${fmt(memory.parley.perConnectionKb)} | ${fmt(memory.relay.perConnectionKb)} | ${ratio(memory.parley.perConnectionKb, memory.relay.perConnectionKb)} |`,
    );
    lines.push('');
    lines.push('Parley only:');
    lines.push('');
    lines.push('| | |');
    lines.push('|---|---:|');
    lines.push(
      `| messages persisted per second (${persisted.senders} senders × ${persisted.inFlightPerSender} in flight, acked after commit; rows counted in PostgreSQL) | ${persisted.ackedPerSecond} acked/s, ${persisted.rowsPerSecond} rows/s (ack p50 ${fmt(persisted.ackP50Ms)} ms, p99 ${fmt(persisted.ackP99Ms)} ms, ${persisted.failed} failed) |`,
    );
    lines.push(`| history page (${history.pageSize} messages, REST) in a room of ${history.messages.toLocaleString('en-US')} messages, ${history.pages} random depths | p50 ${fmt(history.p50Ms, 2)} ms, p99 ${fmt(history.p99Ms, 2)} ms, max ${fmt(history.maxMs, 2)} ms |`);
    lines.push(
      `| catch-up of ${history.catchUp.missed.toLocaleString('en-US')} missed messages (connect + room:join {sinceSeq} + ${history.catchUp.requests - 1} REST pages of 200) | median ${fmt(history.catchUp.medianMs, 0)} ms (runs: ${history.catchUp.runs.join(', ')} ms) |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  // Bounded whatever happens: the whole bench stops by itself.
  const deadline = setTimeout(() => {
    console.error('[bench] did not finish within 50 minutes; stopping');
    process.exit(3);
  }, 50 * 60_000);
  deadline.unref();
  const stack: Stack = await startStack(log);
  const stopAll = (): void => void stack.stop().finally(() => process.exit(130));
  process.once('SIGINT', stopAll);
  process.once('SIGTERM', stopAll);
  try {
    const instances: Record<System, Instance[]> = {
      parley: [await stack.startParley(0), await stack.startParley(1)],
      relay: [await stack.startRelay(0), await stack.startRelay(1)],
    };
    log(`Parley at ${instances.parley.map((i) => i.url).join(', ')}; relay at ${instances.relay.map((i) => i.url).join(', ')}`);
    const seeds = {} as Record<System, { file: string; seed: SeedFile }>;
    for (const system of options.systems) seeds[system] = await seedFor(system, instances[system].map((i) => i.url), options);
    const suts: SystemUnderTest[] = options.systems.map((system) => ({
      system,
      urls: instances[system].map((i) => i.url),
      seedFile: seeds[system].file,
      // The bare relay uses no PostgreSQL: what the server does in its windows is Parley's background work
      // (autovacuum, checkpoints after Parley's runs), charged to nobody. The storing relay's is its own.
      processes: { instances: instances[system].map((i) => i.pid), postgres: system === 'parley' || RELAY_STORES ? stack.postgresPid : undefined, redis: stack.redisPid },
    }));
    const sutOf = (system: System): SystemUnderTest => suts.find((sut) => sut.system === system) as SystemUnderTest;

    if (options.persistedOnly) {
      log('persisted messages per second…');
      const persisted = await measurePersisted(instances.parley, seeds.parley.seed, stack.databaseUrl, options.seconds);
      console.log(`[bench] persisted: ${JSON.stringify(persisted)}`);
      return;
    }
    await warmUp(suts, options);
    const fixed = await fixedRatePairs(suts, options);
    const report: BenchReport = {
      machine: { cpus: (await import('node:os')).cpus().length, node: process.version, date: new Date().toISOString().slice(0, 16).replace('T', ' ') },
      options,
      fixed,
    };
    if (!options.fixedOnly) {
      const steps = await stepUpTogether(suts, options);
      if (options.stepsOnly) {
        for (const list of Object.values(instances)) await Promise.all(list.map((i) => i.stop()));
        return;
      }
      const best = { parley: bestRate(steps.parley), relay: bestRate(steps.relay) };
      let half: { rate: number; parley: Step; relay: Step } | null = null;
      if (best.relay > 0) {
        const rate = Math.round(best.relay / 2);
        log(`half the relay's best rate: ${rate} msg/s, both systems`);
        half = { rate, relay: await step(sutOf('relay'), rate, options, options.seconds * 1.5), parley: await step(sutOf('parley'), rate, options, options.seconds * 1.5) };
      }
      report.sweep = { steps, best, half };

      log('persisted messages per second…');
      const persisted = await measurePersisted(instances.parley, seeds.parley.seed, stack.databaseUrl, options.seconds);
      log(`history in a room of ${options.historyMessages} messages and catch-up…`);
      const history = await measureHistory(instances.parley[0] as Instance, seeds.parley.seed, stack.databaseUrl, options.historyMessages);
      for (const list of Object.values(instances)) await Promise.all(list.map((i) => i.stop()));

      log(`memory per idle connection at ${options.connections} connections (a fresh instance of each)…`);
      const memory = {} as Record<System, MemoryFigures>;
      const tokens: Record<System, string[]> = {
        parley: seeds.parley.seed.users.map((user) => user.session?.accessToken ?? ''),
        relay: seeds.relay.seed.users.map((user) => user.session?.accessToken ?? ''),
      };
      for (const system of SYSTEMS) {
        const fresh = system === 'parley' ? await stack.startParley(9) : await stack.startRelay(9);
        memory[system] = await measureIdleMemory(fresh, tokens[system], options.connections);
        await fresh.stop();
      }
      report.extras = { persisted, history, memory };
    }
    const text = renderReport(report);
    const out = join(REPO_ROOT, 'bench-results');
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'bench.json'), `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(join(out, 'bench.md'), `${text}\n`);
    console.log(`\n${text}\n\n[bench] written to ${join(out, 'bench.json')} and bench.md`);
  } finally {
    await stack.stop();
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error('[bench] failed:', error instanceof Error ? (error.stack ?? error.message) : error);
      process.exit(1);
    },
  );
}
