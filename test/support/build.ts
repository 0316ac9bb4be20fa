import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..');
/** What `npm start` runs, built by `npm run build` (which `npm test` and `npm run test:e2e` run first). */
export const SERVER_ENTRY = join(REPO_ROOT, 'dist', 'apps', 'server', 'src', 'main.js');
const WEB_INDEX = join(REPO_ROOT, 'apps', 'web', 'dist', 'index.html');

const REBUILD = 'run `npm run build` (`npm test` and `npm run test:e2e` build before the tests)';

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !/[.-]spec\.ts$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The e2e tier serves the built web client (apps/web/dist) from every server it starts: it must exist. The
 * tests never build it themselves (no two test files writing the same folder, nothing written mid-run).
 */
export function requireBuild(): void {
  if (!existsSync(WEB_INDEX)) throw new Error(`The e2e tests serve the built web client and apps/web/dist is missing: ${REBUILD}.`);
}

/**
 * For specs that spawn the built server (`node dist/apps/server/src/main.js`): it must exist and be newer
 * than every server and library source, or the spec would test yesterday's code.
 */
export function requireServerBuild(): string {
  if (!existsSync(SERVER_ENTRY)) throw new Error(`This spec spawns the built server and dist/ is missing: ${REBUILD}.`);
  const built = statSync(SERVER_ENTRY).mtimeMs;
  const libs = join(REPO_ROOT, 'libs');
  const sources = [join(REPO_ROOT, 'apps', 'server', 'src'), ...readdirSync(libs).map((lib) => join(libs, lib, 'src'))];
  if (sources.some((dir) => existsSync(dir) && newestSource(dir) > built)) {
    throw new Error(`This spec spawns the built server and dist/ is older than the sources: ${REBUILD}.`);
  }
  return SERVER_ENTRY;
}
