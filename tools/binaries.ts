import { spawnSync } from 'node:child_process';

/** The OS programs the tests and tools run, with the Debian package of each (scripts/provision.mjs installs them). */
const OS_PACKAGES = { 'redis-server': 'redis-server', nginx: 'nginx', chromium: 'chromium' } as const;
type OsProgram = keyof typeof OS_PACKAGES;

function onPath(binary: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Fails with a clear message when an OS program is missing. Nothing here installs anything: `npm test`,
 * `npm run test:e2e` and `npm run bench` provision first (scripts/provision.mjs), and so can a developer.
 */
export function requireBinary(binary: OsProgram, neededBy: string): void {
  if (onPath(binary)) return;
  throw new Error(
    `${neededBy} needs \`${binary}\`, which is not installed. Run \`npm run provision\` (installs it with apt-get as root), ` +
      `or install it yourself (Debian/Ubuntu: \`sudo apt-get install ${OS_PACKAGES[binary]}\`, macOS: \`brew install ${OS_PACKAGES[binary].replace('-server', '')}\`).`,
  );
}
