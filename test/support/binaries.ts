import { execFileSync, spawnSync } from 'node:child_process';

function onPath(binary: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Makes sure an OS program the tests need is installed: installs the Debian package when it is missing
 * and this machine can (root with apt-get), otherwise fails with a clear message saying what to install.
 */
export function ensureBinary(binary: string, debianPackage: string): void {
  if (onPath(binary)) return;
  const isRoot = process.getuid?.() === 0;
  if (isRoot && onPath('apt-get')) {
    console.log(`[test setup] ${binary} not found: installing the ${debianPackage} package…`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', debianPackage], { stdio: 'inherit', env });
    if (onPath(binary)) return;
  }
  throw new Error(
    `The tests need \`${binary}\` and it could not be installed automatically. ` +
      `Install it (Debian/Ubuntu: \`sudo apt-get install ${debianPackage}\`, macOS: \`brew install ${debianPackage.replace('-server', '')}\`) and run the tests again.`,
  );
}
