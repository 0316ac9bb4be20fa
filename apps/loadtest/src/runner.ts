/**
 * Drives a run: provisions users and rooms, connects every simulated client over WebSocket, sends on the
 * open-loop schedule, drains, reads the servers' /metrics, and writes results.json and report.html.
 */
import { ParleyError } from '@parley/client';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { openLink, type LinkHooks, type SimLink } from './links';
import { machineCpuBetween, readMachineCpuTimes, type MachineCpuTimes } from './machine-cpu';
import { warnings, type LoadtestOptions } from './options';
import { mapLimit } from './pool';
import { parsePrometheus, serverFigures, snapshotOf, type ServerFigures, type ServerSnapshot } from './prometheus';
import { provision, SetupError, type SimClient } from './provision';
import { formatProgress, renderHtml, renderSummary } from './report';
import { averageRecipients, buildResult, type LoadtestResult } from './result';
import { decodeContent, encodeContent, newRunId, planSchedule, senderOf, slotOffsetMs, slotsDueBy, type Schedule } from './schedule';
import { artilleryCsv, parseSeed, type SeedFile } from './seed';
import { RunStats, summarize, type Phase } from './stats';

export interface RunHooks {
  /** Setup and status lines. */
  log?: (line: string) => void;
  /** The progress line, every second while sending. */
  progress?: (line: string) => void;
  /** Aborting stops the schedule early; results are still collected and written. */
  signal?: AbortSignal;
  /** Called when the measured window starts and when it ends (e.g. to read the servers' CPU times). */
  onMeasureWindow?: (edge: 'start' | 'end') => void;
}

export interface RunOutcome {
  result: LoadtestResult;
  summary: string;
  files: { json: string; html: string };
}

/** The longest wait, after the last scheduled send, for outstanding acks and deliveries. */
export const DRAIN_MAX_MS = 15_000;
const CONNECT_TIMEOUT_MS = 30_000;
const SCRAPE_TIMEOUT_MS = 5000;

const epochNow = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

async function scrape(target: string): Promise<ServerSnapshot> {
  const response = await fetch(`${target}/metrics`, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return snapshotOf(parsePrometheus(await response.text()), Date.now());
}

type Scrape = Map<string, ServerSnapshot | Error>;

/**
 * One scrape per distinct target, one after the other: a scrape resets the instance's event-loop histogram,
 * so when two URLs reach the same instance the first one read keeps the meaningful figures.
 */
async function scrapeAll(targets: string[]): Promise<Scrape> {
  const results: Scrape = new Map();
  for (const target of new Set(targets)) {
    results.set(target, await scrape(target).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))));
  }
  return results;
}

/** Figures per instance (targets that reach an instance already listed are noted, not repeated). */
function figuresOf(targets: string[], after: Scrape, before: Scrape | undefined, notes: string[]): ServerFigures[] {
  const figures: ServerFigures[] = [];
  const seen = new Map<string, string>();
  for (const target of new Set(targets)) {
    const last = after.get(target);
    const first = before?.get(target);
    if (!last || last instanceof Error) {
      figures.push(serverFigures(target, null, null, last?.message ?? 'not read'));
      continue;
    }
    const earlier = last.instance === undefined ? undefined : seen.get(last.instance);
    if (earlier) {
      notes.push(`${target} reaches the same instance (${last.instance}) as ${earlier}; its figures are listed once.`);
      continue;
    }
    if (last.instance !== undefined) seen.set(last.instance, target);
    figures.push(serverFigures(target, last, first && !(first instanceof Error) ? first : null));
  }
  return figures;
}

function phaseAt(seconds: number, options: LoadtestOptions): Phase {
  if (seconds < options.warmup) return 'warmup';
  if (seconds < options.warmup + options.duration) return 'measure';
  return 'drain';
}

async function readSeed(options: LoadtestOptions): Promise<SeedFile | null> {
  if (!options.seed) return null;
  try {
    return parseSeed(await readFile(options.seed, 'utf8'));
  } catch (error) {
    throw new SetupError(`--seed ${options.seed}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The seed's users, rooms and prefix replace the options' (they were provisioned for them). */
function withSeed(options: LoadtestOptions, seed: SeedFile | null, notes: string[]): LoadtestOptions {
  if (!seed) return options;
  if (options.clients !== seed.clients || options.roomSize !== seed.roomSize || options.prefix !== seed.prefix) {
    notes.push(`Users and rooms come from the seed file: ${seed.clients} clients in rooms of ${seed.roomSize}, prefix ${seed.prefix}.`);
  }
  return { ...options, clients: seed.clients, roomSize: seed.roomSize, prefix: seed.prefix };
}

function seedOf(options: LoadtestOptions, sims: SimClient[], rooms: Array<{ id: string; name: string }>, previous: SeedFile | null): SeedFile {
  const now = new Date().toISOString();
  return {
    kind: 'parley-loadtest-seed',
    version: 1,
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
    prefix: options.prefix,
    clients: options.clients,
    roomSize: options.roomSize,
    rooms: rooms.map(({ id, name }) => ({ id, name })),
    users: sims.map((sim) => ({ username: sim.username, userId: sim.userId, roomId: sim.roomId, session: sim.store.load() })),
  };
}

async function writeSeed(path: string, seed: SeedFile): Promise<void> {
  await writeFile(path, `${JSON.stringify(seed, null, 1)}\n`, { mode: 0o600 });
}

/** `--seed-only`: provision, write seed.json (sessions) and artillery-users.csv, nothing else. */
export async function seedOnly(options: LoadtestOptions, hooks: RunHooks = {}): Promise<{ seedFile: string; csvFile: string; users: number; rooms: number }> {
  const log = hooks.log ?? (() => undefined);
  const previous = await readSeed(options);
  const effective = withSeed(options, previous, []);
  const provisioned = await provision(effective, previous, log);
  const seed = seedOf(effective, provisioned.clients, provisioned.rooms, previous);
  const out = resolve(effective.out);
  await mkdir(out, { recursive: true });
  const seedFile = join(out, 'seed.json');
  const csvFile = join(out, 'artillery-users.csv');
  await writeSeed(seedFile, seed);
  if (previous && options.seed && resolve(options.seed) !== seedFile) await writeSeed(options.seed, seed);
  await writeFile(csvFile, artilleryCsv(seed, effective.password), { mode: 0o600 });
  return { seedFile, csvFile, users: provisioned.clients.length, rooms: provisioned.rooms.length };
}

/** A whole run; rejects with SetupError when the users, rooms or connections cannot be set up. */
export async function runLoadtest(options: LoadtestOptions, hooks: RunHooks = {}): Promise<RunOutcome> {
  const log = hooks.log ?? (() => undefined);
  const progress = hooks.progress ?? (() => undefined);
  const startedAt = new Date();
  const runId = newRunId();
  const previousSeed = await readSeed(options);
  const notes: string[] = [];
  const opts = withSeed(options, previousSeed, notes);
  notes.push(...warnings(opts));
  for (const note of notes) log(`note: ${note}`);
  const schedule: Schedule = planSchedule(opts.rate, opts.warmup, opts.duration);
  const stats = new RunStats(schedule);
  let sims: SimClient[] = [];
  const links: SimLink[] = [];
  let running = false;
  try {
    // ---- setup -------------------------------------------------------------------------------------
    const provisioned = await provision(opts, previousSeed, log);
    sims = provisioned.clients;
    if (hooks.signal?.aborted) throw new SetupError('Interrupted during the setup');
    // Refresh tokens rotate: keep the seed file current at once, whatever happens next.
    if (previousSeed && options.seed) await writeSeed(options.seed, seedOf(opts, sims, provisioned.rooms, previousSeed));
    const recipients = sims.map((sim) => (provisioned.rooms[sim.room]?.members.length ?? 1) - 1);
    const connectStarted = performance.now();
    let connected = 0;
    const connectLog = setInterval(() => log(`  connected: ${connected}/${sims.length}`), 2000);
    try {
      await mapLimit(sims, Math.ceil(opts.concurrency * 2.5), async (sim) => {
        const hooks: LinkHooks = {
          onMessage: (content) => {
            const decoded = decodeContent(content, runId);
            if (decoded) stats.recordDelivery(decoded.slot, epochNow() - decoded.intendedEpochMs, performance.now());
          },
          onReconnecting: () => {
            if (running) stats.reconnects++;
          },
          onError: (code) => stats.countError(code),
        };
        try {
          links[sim.index] = await openLink(opts.driver, sim, hooks, CONNECT_TIMEOUT_MS);
        } catch (error) {
          if (error instanceof ParleyError && error.code === 'rate_limited') throw new SetupError(`room:join refused with rate_limited`);
          throw error;
        }
        connected++;
      });
    } catch (error) {
      throw error instanceof SetupError ? error : new SetupError(`Connecting: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      clearInterval(connectLog);
    }
    const connectMs = Math.round(performance.now() - connectStarted);
    log(`connected ${sims.length} sockets over WebSocket (${opts.driver} driver) in ${connectMs} ms; sending ${opts.rate} msg/s for ${opts.warmup} s warm-up + ${opts.duration} s`);

    // ---- the open-loop run --------------------------------------------------------------------------
    const startPerf = performance.now() + 50;
    const startEpoch = performance.timeOrigin + startPerf;
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    let cpuAtMeasureStart: NodeJS.CpuUsage | undefined;
    let machineAtMeasureStart: MachineCpuTimes | null = null;
    let measureStartedPerf = 0;
    let baseline: Promise<Scrape> | undefined;
    const startMeasuring = (): void => {
      baseline = scrapeAll(opts.targets);
      cpuAtMeasureStart = process.cpuUsage();
      machineAtMeasureStart = readMachineCpuTimes();
      measureStartedPerf = performance.now();
      loopDelay.enable();
      hooks.onMeasureWindow?.('start');
    };
    const measureTimer = setTimeout(startMeasuring, Math.max(0, startPerf + opts.warmup * 1000 - performance.now()));
    running = true;

    const fire = (slot: number): void => {
      const senderIndex = senderOf(slot, sims.length);
      const intended = startEpoch + slotOffsetMs(schedule, slot);
      const now = epochNow();
      stats.recordSent(slot, now - intended, performance.now());
      (links[senderIndex] as SimLink).send(encodeContent(runId, slot, intended, opts.size)).then(
        () => stats.recordAck(slot, epochNow() - intended, recipients[senderIndex] ?? 0),
        (error: unknown) => stats.recordFailure(slot, error instanceof ParleyError ? error.code : 'error'),
      );
    };

    let lastRollover = 0;
    let secondsTicked = 0;
    let progressTimer: ReturnType<typeof setTimeout> | undefined;
    const onSecond = (): void => {
      const elapsed = (performance.now() - startPerf) / 1000;
      const point = stats.rollover(elapsed, phaseAt(elapsed - (elapsed - lastRollover) / 2, opts), elapsed - lastRollover);
      lastRollover = elapsed;
      progress(formatProgress(point, summarize(stats.endToEnd)?.p99 ?? null, stats.errorTotal, stats.pending));
      secondsTicked++;
      progressTimer = setTimeout(onSecond, Math.max(0, startPerf + (secondsTicked + 1) * 1000 - performance.now()));
    };
    progressTimer = setTimeout(onSecond, Math.max(0, startPerf + 1000 - performance.now()));

    let interrupted = false;
    await new Promise<void>((done) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let next = 0;
      const stop = (): void => {
        interrupted = true;
        clearTimeout(timer);
        done();
      };
      if (hooks.signal?.aborted) return stop();
      hooks.signal?.addEventListener('abort', stop, { once: true });
      const tick = (): void => {
        const due = slotsDueBy(schedule, performance.now() - startPerf);
        while (next < due) fire(next++);
        if (next >= schedule.totalSlots) {
          hooks.signal?.removeEventListener('abort', stop);
          return done();
        }
        timer = setTimeout(tick, Math.max(0, startPerf + slotOffsetMs(schedule, next) - performance.now()));
      };
      timer = setTimeout(tick, Math.max(0, startPerf - performance.now()));
    });
    clearTimeout(measureTimer);
    if (cpuAtMeasureStart) hooks.onMeasureWindow?.('end');
    const cpu = cpuAtMeasureStart ? process.cpuUsage(cpuAtMeasureStart) : undefined;
    const machine = machineCpuBetween(machineAtMeasureStart, readMachineCpuTimes());
    const measureWallMs = performance.now() - measureStartedPerf;

    // ---- drain: outstanding acks and deliveries ----------------------------------------------------------
    const drainDeadline = performance.now() + (interrupted ? 2000 : DRAIN_MAX_MS);
    while (!stats.settled && performance.now() < drainDeadline) await sleep(25);
    clearTimeout(progressTimer);
    const elapsed = (performance.now() - startPerf) / 1000;
    // The last partial interval goes to the timeline whenever it counted anything, even if it is short.
    if (elapsed - lastRollover > 0.05 || stats.intervalHasCounts) stats.rollover(elapsed, 'drain', Math.max(0.001, elapsed - lastRollover));
    stats.freeze();
    running = false;
    loopDelay.disable();
    const final = await scrapeAll(opts.targets);
    const servers = figuresOf(opts.targets, final, baseline ? await baseline : undefined, notes);
    if (stats.pending > 0) notes.push(`${stats.pending} send(s) were still unanswered ${DRAIN_MAX_MS / 1000} s after the last one was scheduled.`);
    if (interrupted) notes.push('Interrupted before the schedule ended: the figures cover what was sent.');

    const result = buildResult({
      options: opts,
      schedule,
      stats,
      runId,
      startedAt,
      finishedAt: new Date(),
      interrupted,
      setup: {
        users: sims.length,
        rooms: provisioned.rooms.length,
        registered: provisioned.registered,
        loggedIn: provisioned.loggedIn,
        reused: provisioned.reused,
        provisionMs: provisioned.ms,
        connectMs,
      },
      servers,
      generator: {
        cpuPercent: cpu && measureWallMs > 0 ? Math.round(((cpu.user + cpu.system) / 1000 / measureWallMs) * 1000) / 10 : null,
        eventLoopLagP99Ms: loopDelay.count > 0 ? Math.round(loopDelay.percentile(99) / 1000) / 1000 : null,
      },
      machine,
      notes,
      averageRecipients: averageRecipients(provisioned.rooms.map((room) => room.members)),
    });

    // ---- output -------------------------------------------------------------------------------------
    const out = resolve(opts.out);
    await mkdir(out, { recursive: true });
    const files = { json: join(out, 'results.json'), html: join(out, 'report.html') };
    await writeFile(files.json, `${JSON.stringify(result, null, 2)}\n`);
    await writeFile(files.html, renderHtml(result));
    if (previousSeed && options.seed) await writeSeed(options.seed, seedOf(opts, sims, provisioned.rooms, previousSeed));
    return { result, summary: renderSummary(result, [files.json, files.html]), files };
  } finally {
    running = false;
    for (const link of links) link.disconnect();
    for (const sim of sims) sim.client.disconnect();
  }
}
