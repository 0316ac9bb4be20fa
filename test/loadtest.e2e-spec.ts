import type { RunningServer } from '../apps/server/src/server';
import { parseArgs, type LoadtestOptions } from '../apps/loadtest/src/options';
import { provision, SetupError } from '../apps/loadtest/src/provision';
import type { LoadtestResult } from '../apps/loadtest/src/result';
import { runCli } from '../apps/loadtest/src/cli';
import { runLoadtest } from '../apps/loadtest/src/runner';
import { parseSeed } from '../apps/loadtest/src/seed';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from './support/server';

/** `npm run loadtest` end to end, programmatically, against a real in-process instance. */
describe('loadtest (apps/loadtest) against a real instance', () => {
  let server: RunningServer;
  let out: string;
  let prefixes = 0;

  const options = (args: string[]): LoadtestOptions =>
    parseArgs(['--targets', server.url, '--out', out, '--prefix', `lt${Date.now().toString(36).slice(-6)}${++prefixes}_`, ...args]);

  beforeAll(async () => {
    server = await startTestServer({});
    out = mkdtempSync(join(tmpdir(), 'parley-loadtest-'));
  });
  afterAll(async () => {
    await server.close();
    rmSync(out, { recursive: true, force: true });
  });

  it('provisions, sends on schedule, gets every ack and delivery, reads /metrics and writes the reports', async () => {
    const progress: string[] = [];
    const logs: string[] = [];
    const outcome = await runLoadtest(options(['--clients', '6', '--room-size', '3', '--rate', '30', '--duration', '3', '--warmup', '1', '--size', '120']), {
      progress: (line) => progress.push(line),
      log: (line) => logs.push(line),
    });
    const result = outcome.result;
    expect(result.setup).toMatchObject({ users: 6, rooms: 2, registered: 6, loggedIn: 0, reused: 0 });
    // Every scheduled message of the measured window was sent and acked…
    expect(result.sends).toMatchObject({ scheduled: 90, sent: 90, acked: 90, failed: 0, unacked: 0, targetRate: 30 });
    // A rate per second near the target: a timer stalled on a loaded machine moves it a little (the runner
    // catches up on missed slots), a unit slip or a miscounted window moves it far.
    expect(result.sends.achievedRate).toBeGreaterThan(15);
    expect(result.sends.achievedRate).toBeLessThan(60);
    // …and delivered to the two other members of the sender's room, each exactly once.
    expect(result.deliveries).toMatchObject({ expected: 180, delivered: 180, missing: 0, ratio: 1, expectedPerSecond: 60 });
    for (const summary of [result.latency.endToEnd, result.latency.ack, result.latency.sendLag]) {
      expect(summary).not.toBeNull();
      for (const value of [summary!.p50, summary!.p90, summary!.p99, summary!.max]) {
        expect(value).toBeGreaterThan(0);
        expect(Number.isFinite(value)).toBe(true);
      }
    }
    expect(result.latency.endToEnd!.count).toBe(180);
    expect(result.latency.ack!.count).toBe(90);
    expect(result.latency.endToEnd!.p50).toBeLessThan(5000); // milliseconds, not seconds or microseconds
    expect(result.errors).toEqual({ total: 0, byCode: {}, reconnects: 0 });

    // The server's own figures, read from /metrics before the clients disconnected.
    expect(result.servers).toHaveLength(1);
    const figures = result.servers[0]!;
    expect(figures).toMatchObject({ target: server.url, instance: server.config.instanceId, socketsConnected: 6, error: null });
    expect(figures.eventLoopLagP99Ms).toBeGreaterThan(0);
    expect(figures.residentMemoryBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(figures.heapUsedBytes).toBeGreaterThan(0);
    // Counted between the scrape at the measurement start and the final one: the 90 measured messages, less
    // those committed before the first scrape answered (it runs while sends are in flight, and answers late
    // on a loaded machine: half of them is the floor); never more than the 120 of the whole run.
    expect(figures.messagesPersisted).toBeGreaterThanOrEqual(45);
    expect(figures.messagesPersisted).toBeLessThanOrEqual(120);
    expect(figures.cpuPercent).toBeGreaterThan(0);
    expect(outcome.summary).toContain(server.config.instanceId);
    expect(outcome.summary).toMatch(/deliveries\s+60\.0\/s\s+[\d.]+\/s\s+180 of 180 expected/);

    // One progress line per second, the timeline for the chart, and both files.
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress[0]).toMatch(/^\[\s+1s warmup\s*\] sent /);
    expect(result.timeline.reduce((sum, point) => sum + point.sent, 0)).toBe(120);
    expect(result.timeline.reduce((sum, point) => sum + point.delivered, 0)).toBe(240);
    expect(logs.join('\n')).toMatch(/connected 6 sockets over WebSocket/);
    const written = JSON.parse(readFileSync(outcome.files.json, 'utf8')) as LoadtestResult;
    expect(written).toEqual(result);
    const html = readFileSync(outcome.files.html, 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain(result.runId);
  });

  it('seeds users once from the command line and reuses their sessions later; an early stop still reports', async () => {
    const seedOut = join(out, 'seed');
    const printed: string[] = [];
    const code = await runCli(['--targets', server.url, '--out', seedOut, '--seed-only', '--json', '--clients', '4', '--room-size', '2'], {
      out: (text) => printed.push(text),
      err: (text) => printed.push(`stderr: ${text}`),
    });
    expect(code).toBe(0);
    expect(printed).toHaveLength(1);
    const seeded = JSON.parse(printed[0]!) as { seedFile: string; artilleryCsv: string; users: number; rooms: number };
    expect(seeded).toMatchObject({ seedFile: join(seedOut, 'seed.json'), users: 4, rooms: 2 });
    const seed = parseSeed(readFileSync(seeded.seedFile, 'utf8'));
    expect(seed.users.every((user) => user.session !== null && user.roomId !== '')).toBe(true);
    expect(readFileSync(seeded.artilleryCsv, 'utf8').split('\n')[1]).toMatch(new RegExp(`^${seed.prefix}0,loadtest-password,`));

    const runOut = join(out, 'seeded-run');
    // Stopped once the run reported its first second of sending (not at a fixed time, which a slow setup
    // on a loaded machine could reach first).
    const abort = new AbortController();
    const lines: string[] = [];
    const record = (text: string): void => {
      lines.push(text);
      if (/^\[\s*\d+s \w+\s*\] sent /.test(text)) abort.abort();
    };
    const runCode = await runCli(['--targets', server.url, '--out', runOut, '--seed', seeded.seedFile, '--rate', '20', '--duration', '5', '--warmup', '0'], {
      out: record,
      err: record,
      signal: abort.signal,
    });
    expect(runCode).toBe(0);
    expect(lines.join('\n')).toMatch(/\(interrupted\)/);
    const result = JSON.parse(readFileSync(join(runOut, 'results.json'), 'utf8')) as LoadtestResult;
    expect(result.config).toMatchObject({ clients: 4, roomSize: 2, prefix: seed.prefix });
    expect(result.setup).toMatchObject({ users: 4, registered: 0, loggedIn: 0, reused: 4 });
    expect(result.interrupted).toBe(true);
    expect(abort.signal.aborted).toBe(true);
    expect(result.sends.sent).toBeGreaterThan(10); // a second at 20/s
    expect(result.sends.sent).toBeLessThan(100); // the 5 s schedule
    expect(result.deliveries.delivered).toBe(result.deliveries.expected);
    expect(result.notes.join('\n')).toMatch(/Interrupted/);
    // Refresh tokens rotate: the seed file was rewritten with the sessions in use.
    expect(parseSeed(readFileSync(seeded.seedFile, 'utf8')).updatedAt >= seed.updatedAt).toBe(true);
  });

  it('logs existing users in and finds existing rooms when a prefix is reused', async () => {
    const opts = options(['--clients', '4', '--room-size', '2']);
    const first = await provision(opts, null, () => undefined);
    const again = await provision(opts, null, () => undefined);
    expect(first).toMatchObject({ registered: 4, loggedIn: 0 });
    expect(again).toMatchObject({ registered: 0, loggedIn: 4 });
    expect(again.rooms.map((room) => room.id)).toEqual(first.rooms.map((room) => room.id));
    expect(again.clients.map((sim) => sim.userId)).toEqual(first.clients.map((sim) => sim.userId));
    await expect(provision({ ...opts, password: 'another-password' }, null, () => undefined)).rejects.toThrow(/exists with another password/);
  });

  it('stops with an explanation when the server rate-limits the setup', async () => {
    const strict = await startTestServer({ AUTH_RATE_LIMIT: '3' });
    try {
      const attempt = runLoadtest({ ...options(['--clients', '6', '--room-size', '3', '--duration', '1', '--warmup', '0']), targets: [strict.url] });
      await expect(attempt).rejects.toBeInstanceOf(SetupError);
      await expect(attempt).rejects.toThrow(/rate_limited[\s\S]*AUTH_RATE_LIMIT=1000000/);
    } finally {
      await strict.close();
    }
  });
});

/** Sockets end when their access token expires: the wire driver hands them refreshed tokens in band. */
describe('loadtest socket driver across access-token expiry', () => {
  let server: RunningServer;
  let out: string;

  beforeAll(async () => {
    server = await startTestServer({ ACCESS_TOKEN_TTL: '10' });
    out = mkdtempSync(join(tmpdir(), 'parley-loadtest-ttl-'));
  });
  afterAll(async () => {
    await server.close();
    rmSync(out, { recursive: true, force: true });
  });

  it('keeps every socket through the token’s expiry: no reconnect, every send acked and delivered', async () => {
    const options = parseArgs(['--targets', server.url, '--out', out, '--prefix', `ltx${Date.now().toString(36).slice(-6)}_`, '--driver', 'socket',
      '--clients', '4', '--room-size', '2', '--rate', '8', '--duration', '12', '--warmup', '1']);
    const { result } = await runLoadtest(options, { progress: () => undefined, log: () => undefined });
    expect(result.errors).toEqual({ total: 0, byCode: {}, reconnects: 0 });
    expect(result.sends).toMatchObject({ failed: 0, unacked: 0 });
    expect(result.deliveries).toMatchObject({ missing: 0, ratio: 1 });
  }, 60_000);
});
