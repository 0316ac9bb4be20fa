import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from '../apps/loadtest/src/options';
import { runLoadtest } from '../apps/loadtest/src/runner';
import type { RunningServer } from '../apps/server/src/server';
import { startRelay } from '../bench/relay';
import { Client } from 'pg';
import { createTestDatabase } from './support/database';
import { startTestCluster } from './support/server';

/**
 * `npm run bench` drives Parley and the bare relay with the same tool and the `socket` driver: both must
 * give every delivery, so that the comparison measures the servers and nothing else.
 */
describe('the load tool with the socket driver (what npm run bench uses)', () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  const run = (targets: string[], prefix: string) =>
    runLoadtest(
      parseArgs([
        '--targets', targets.join(','), '--out', join(out, prefix), '--prefix', `${prefix}${Date.now().toString(36).slice(-5)}_`,
        '--clients', '6', '--room-size', '3', '--rate', '30', '--duration', '2', '--warmup', '1', '--driver', 'socket',
      ]),
    );

  it('against two Parley instances: every message acked and delivered to the other members once', async () => {
    const servers: RunningServer[] = await startTestCluster(2);
    try {
      const { result } = await run(servers.map((server) => server.url), 'bs');
      expect(result.config.driver).toBe('socket');
      expect(result.sends).toMatchObject({ scheduled: 60, sent: 60, acked: 60, failed: 0 });
      expect(result.deliveries).toMatchObject({ expected: 120, delivered: 120, missing: 0, ratio: 1 });
      expect(result.errors.total).toBe(0);
      // Both report it; with one writer shard (the default) one instance stored every message, the other none.
      expect(result.servers.map((figures) => (figures.messagesPersisted ?? 0) > 0).sort()).toEqual([false, true]);
      // The whole machine's CPU over the window, from /proc/stat (what the bench prints as each step's steal).
      if (process.platform === 'linux') {
        expect(result.machine.busyPercent).toBeGreaterThan(0);
        expect(result.machine.stealPercent).toBeGreaterThanOrEqual(0);
      } else {
        expect(result.machine).toEqual({ busyPercent: null, stealPercent: null });
      }
    } finally {
      await Promise.all(servers.map((server) => server.close()));
    }
  });

  it('against two instances of the bare relay over Redis: same workload, same deliveries, nothing persisted', async () => {
    const redisUrl = process.env.PARLEY_TEST_REDIS_URL as string;
    const relays = [await startRelay(0, redisUrl, 'relay-a'), await startRelay(0, redisUrl, 'relay-b')];
    try {
      const { result } = await run(relays.map((relay) => `http://127.0.0.1:${relay.port}`), 'br');
      expect(result.sends).toMatchObject({ scheduled: 60, sent: 60, acked: 60, failed: 0 });
      // Clients alternate between the two relays, so deliveries cross over Redis.
      expect(result.deliveries).toMatchObject({ expected: 120, delivered: 120, missing: 0, ratio: 1 });
      expect(result.errors.total).toBe(0);
      // The relay serves prom-client's process metrics, read like Parley's.
      expect(result.servers).toHaveLength(2);
      expect(result.servers.every((figures) => figures.residentMemoryBytes !== null && figures.messagesPersisted === null)).toBe(true);
    } finally {
      await Promise.all(relays.map((relay) => relay.close()));
    }
  });

  it('against two instances of the storing relay: the same deliveries, and every acked message is a row in PostgreSQL', async () => {
    const redisUrl = process.env.PARLEY_TEST_REDIS_URL as string;
    const databaseUrl = await createTestDatabase();
    const relays = [await startRelay(0, redisUrl, 'relay-c', databaseUrl), await startRelay(0, redisUrl, 'relay-d', databaseUrl)];
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const { result } = await run(relays.map((relay) => `http://127.0.0.1:${relay.port}`), 'bt');
      expect(result.sends).toMatchObject({ scheduled: 60, sent: 60, acked: 60, failed: 0 });
      expect(result.deliveries).toMatchObject({ expected: 120, delivered: 120, missing: 0, ratio: 1 });
      // Acked after the commit: as soon as the run ends, its 90 sends (30 in the 1 s warm-up, 60 measured) are rows.
      const rows = await db.query<{ n: string }>('SELECT count(*) AS n FROM relay_messages');
      expect(Number(rows.rows[0]?.n)).toBe(90);
    } finally {
      await db.end();
      await Promise.all(relays.map((relay) => relay.close()));
    }
  });
});
