#!/usr/bin/env node
// Installs the OS programs the e2e tests and the tools run, when missing: redis-server, nginx, chromium
// (or only those named: `node scripts/provision.mjs redis-server`). As root with apt-get it runs
// `apt-get update` once and installs the missing Debian packages; elsewhere it says what to install and
// exits non-zero. `npm test`, `npm run test:e2e` and `npm run bench` call it first; the tests only check.
import { execFileSync, spawnSync } from 'node:child_process';

const PACKAGES = { 'redis-server': 'redis-server', nginx: 'nginx', chromium: 'chromium' };

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!(name in PACKAGES)) {
    console.error(`provision: unknown program ${name} (known: ${Object.keys(PACKAGES).join(', ')})`);
    process.exit(2);
  }
}
const onPath = (binary) => spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0;
const missing = (wanted.length > 0 ? wanted : Object.keys(PACKAGES)).filter((binary) => !onPath(binary));
if (missing.length === 0) process.exit(0);

const packages = missing.map((binary) => PACKAGES[binary]);
if (process.getuid?.() === 0 && onPath('apt-get')) {
  console.log(`[provision] installing ${packages.join(', ')} (apt-get)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
}
const stillMissing = missing.filter((binary) => !onPath(binary));
if (stillMissing.length > 0) {
  const names = stillMissing.map((binary) => PACKAGES[binary]);
  console.error(
    `[provision] missing: ${stillMissing.join(', ')}. Install ${names.join(' ')} ` +
      `(Debian/Ubuntu: sudo apt-get install ${names.join(' ')}; macOS: brew install ${names.map((name) => name.replace('-server', '')).join(' ')}) and run again.`,
  );
  process.exit(1);
}
