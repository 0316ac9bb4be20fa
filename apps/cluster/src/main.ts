import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { SERVER_NODE_FLAGS } from '@parley/config';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '@parley/database';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';
import { nginxAvailable, startNginx, writeNginxPrefix } from './nginx';

/**
 * `npm run cluster -- --replicas 3`: the docker-compose topology with local processes. Embedded
 * PostgreSQL, a redis-server, N Parley instances on consecutive ports and, when nginx is installed, the
 * repository's nginx config in front of them. Ctrl-C stops everything.
 */
interface Options {
  replicas: number;
  basePort: number;
  lbPort: number;
  redisPort: number;
  pgPort: number;
  dataDir: string;
  nginx: boolean;
}

const USAGE = `Usage: npm run cluster -- [--replicas N] [--base-port P] [--lb-port P] [--redis-port P] [--pg-port P] [--no-nginx]
  --replicas N     instances to start (default 3)
  --base-port P    first instance port; the others follow (default 3001)
  --lb-port P      nginx port (default 8080)
  --redis-port P   redis-server port (default 6390)
  --pg-port P      embedded PostgreSQL port (default 54339)
  --no-nginx       do not start nginx even if it is installed
Data (PostgreSQL, JWT secret) lives in $PARLEY_DATA_DIR/cluster (default ./.parley/cluster).`;

export function parseArgs(argv: string[]): Options {
  const options: Options = {
    replicas: 3,
    basePort: 3001,
    lbPort: 8080,
    redisPort: 6390,
    pgPort: 54339,
    dataDir: resolve(process.env.PARLEY_DATA_DIR ?? '.parley', 'cluster'),
    nginx: true,
  };
  const numeric: Record<string, keyof Options> = {
    '--replicas': 'replicas',
    '--base-port': 'basePort',
    '--lb-port': 'lbPort',
    '--redis-port': 'redisPort',
    '--pg-port': 'pgPort',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--no-nginx') options.nginx = false;
    else if (arg === '--help' || arg === '-h') throw new Error(USAGE);
    else if (arg in numeric) {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`${arg} needs a positive integer\n${USAGE}`);
      (options as unknown as Record<string, number>)[numeric[arg] as string] = value;
    } else throw new Error(`Unknown argument ${arg}\n${USAGE}`);
  }
  if (options.replicas > 32) throw new Error('At most 32 replicas on one machine');
  return options;
}

function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolvePromise, reject) => {
    const attempt = (): void => {
      const socket = createConnection({ port, host: '127.0.0.1' }, () => {
        socket.end();
        resolvePromise();
      });
      socket.once('error', () => {
        if (Date.now() > deadline) reject(new Error(`nothing listens on port ${port}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

function prefixOutput(child: ChildProcess, name: string): void {
  const forward = (stream: NodeJS.WritableStream) => (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) stream.write(`[${name}] ${line}\n`);
  };
  child.stdout?.on('data', forward(process.stdout));
  child.stderr?.on('data', forward(process.stderr));
}

function sharedSecret(dataDir: string): string {
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error', 'warn', 'log']);
  const logger = new Logger('Cluster');
  const options = parseArgs(process.argv.slice(2));
  if (spawnSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' }).status !== 0) {
    throw new Error('redis-server is not installed (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis)');
  }
  mkdirSync(options.dataDir, { recursive: true });
  const children: Array<{ name: string; child: ChildProcess }> = [];
  const database: EmbeddedDatabase = await startEmbeddedPostgres({ dataDir: options.dataDir, port: options.pgPort });
  let stopping = false;

  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.log('Stopping the cluster…');
    const exits = children.map(({ child }) => new Promise((done) => (child.exitCode !== null ? done(null) : child.once('exit', done))));
    for (const { name, child } of [...children].reverse()) child.kill(name === 'nginx' ? 'SIGQUIT' : 'SIGTERM');
    await Promise.race([Promise.all(exits), new Promise((done) => setTimeout(done, 15_000))]);
    await database.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  const redis = spawn('redis-server', ['--port', String(options.redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push({ name: 'redis', child: redis });
  prefixOutput(redis, 'redis');
  await waitForPort(options.redisPort, 10_000);

  const secret = sharedSecret(options.dataDir);
  // dist-tools/apps/cluster/src → the server that `npm run build` put in dist/ (what `npm start` runs).
  const serverEntry = join(__dirname, '..', '..', '..', '..', 'dist', 'apps', 'server', 'src', 'main.js');
  const instancePorts = Array.from({ length: options.replicas }, (_, i) => options.basePort + i);
  instancePorts.forEach((port, i) => {
    const name = `parley-${i + 1}`;
    const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, serverEntry], {
      env: {
        ...process.env,
        PORT: String(port),
        DATABASE_URL: database.url,
        REDIS_URL: `redis://127.0.0.1:${options.redisPort}`,
        JWT_SECRET: secret,
        INSTANCE_ID: name,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push({ name, child });
    prefixOutput(child, name);
    child.once('exit', (code) => {
      if (!stopping) logger.warn(`${name} exited with ${code}`);
    });
  });
  await Promise.all(instancePorts.map((port) => waitForPort(port, 60_000)));

  let entry = `http://localhost:${options.basePort}`;
  if (options.nginx && nginxAvailable()) {
    const prefix = join(options.dataDir, 'nginx');
    writeNginxPrefix(prefix, instancePorts.map((port) => `127.0.0.1:${port}`), options.lbPort);
    const nginx = startNginx(prefix);
    children.push({ name: 'nginx', child: nginx });
    await waitForPort(options.lbPort, 10_000);
    entry = `http://localhost:${options.lbPort}`;
  } else if (options.nginx) {
    logger.warn('nginx is not installed: no load balancer (install nginx to get one); use the instance URLs directly');
  }

  logger.log(
    [
      `Parley cluster ready: ${options.replicas} instance(s), Redis on ${options.redisPort}, PostgreSQL on ${options.pgPort}`,
      `  Entry point:  ${entry}  (web client, /api, /docs, /socket.io)`,
      ...instancePorts.map((port, i) => `  parley-${i + 1}:     http://localhost:${port}`),
      'Ctrl-C stops everything.',
    ].join('\n'),
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
