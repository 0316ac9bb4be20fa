#!/usr/bin/env node
// `npm run start:dev`: the development loop. Builds the server (swc, like `npm run build:server`), runs it
// on :3000 (PORT) and rebuilds and restarts it whenever a source of apps/server or libs changes; serves the
// web client with hot reload on :5173 (Vite, API and Socket.IO proxied to :3000). A build that fails leaves
// the running server as it is and prints why. Ctrl-C stops everything.
import { spawn, spawnSync } from 'node:child_process';
import { watch } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SERVER_ENTRY = join(ROOT, 'dist', 'apps', 'server', 'src', 'main.js');
const WATCHED = ['apps/server/src', 'libs'];
const isSource = (file) => file.endsWith('.ts') && !/[.-]spec\.ts$/.test(file);

const log = (message) => console.log(`[dev] ${message}`);

function build() {
  const started = Date.now();
  const result = spawnSync('npm', ['run', 'build:server', '--silent'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) {
    log(`build failed, the running server is unchanged:\n${result.stdout}${result.stderr}`);
    return false;
  }
  log(`built in ${Date.now() - started} ms`);
  return true;
}

let server;
function startServer() {
  server = spawn(process.execPath, ['--enable-source-maps', SERVER_ENTRY], { cwd: ROOT, stdio: 'inherit', env: { NODE_ENV: 'development', ...process.env } });
  const child = server;
  child.once('exit', (code, signal) => {
    if (server === child && !stopping) log(`server exited (${signal ?? code}); it starts again on the next change`);
  });
}

function stopServer() {
  const child = server;
  server = undefined;
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

// Changes arrive in bursts (an editor saving several files, a git checkout): one rebuild per burst, and a
// burst during a rebuild queues exactly one more.
let timer;
let running = false;
let again = false;
async function rebuild() {
  if (running) {
    again = true;
    return;
  }
  running = true;
  if (build()) {
    await stopServer();
    if (!stopping) startServer();
  }
  running = false;
  if (again) {
    again = false;
    void rebuild();
  }
}

let stopping = false;
const web = spawn('npx', ['vite', '--config', 'apps/web/vite.config.mts'], { cwd: ROOT, stdio: 'inherit' });

for (const dir of WATCHED) {
  watch(join(ROOT, dir), { recursive: true }, (_event, file) => {
    if (!file || !isSource(String(file))) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      log(`${join(dir, String(file))} changed: rebuilding`);
      void rebuild();
    }, 150);
  });
}

async function shutdown() {
  if (stopping) return;
  stopping = true;
  clearTimeout(timer);
  web.kill('SIGTERM');
  await stopServer();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());

if (build()) startServer();
log(`watching ${WATCHED.join(', ')}; the web client with hot reload on http://localhost:5173`);
