import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO_ROOT } from './support/build';

/**
 * What the production image gets: `npm run build` (run before the tests) and the Dockerfile's copy of it.
 * The build is the server and its libraries (dist/) plus the web client (apps/web/dist); nothing of the
 * tools (bench, apps/loadtest, apps/cluster, tools, test) is in it, and nothing in it needs them or a
 * devDependency at run time (the image keeps only the production packages: `npm prune --omit=dev`).
 */
const DIST = join(REPO_ROOT, 'dist');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/** Packages that `npm ci && npm prune --omit=dev` keeps: the lockfile's non-dev entries. */
function productionPackages(): Set<string> {
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const names = Object.entries(lock.packages)
    .filter(([path, entry]) => path.startsWith('node_modules/') && !entry.dev)
    .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
  return new Set(names);
}

const packageName = (specifier: string): string => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

describe('the production build (what the Docker image contains)', () => {
  const built = files(DIST).map((file) => relative(DIST, file));

  it('is the server and its libraries only: no tooling, no specs', () => {
    const tops = new Set(built.map((file) => file.split('/').slice(0, file.startsWith('apps/') ? 2 : 1).join('/')));
    expect([...tops].sort()).toEqual(['apps/server', 'libs']);
    expect(built.filter((file) => /[.-]spec\.js$/.test(file))).toEqual([]);
    expect(existsSync(join(REPO_ROOT, 'apps', 'web', 'dist', 'index.html'))).toBe(true);
  });

  it('needs nothing outside dist/ but production packages at run time', () => {
    const production = productionPackages();
    const builtins = new Set(builtinModules);
    const outside: string[] = [];
    const devOnly = new Set<string>();
    for (const file of built.filter((name) => name.endsWith('.js'))) {
      const source = readFileSync(join(DIST, file), 'utf8');
      for (const [, specifier] of source.matchAll(/require\("([^"]+)"\)/g)) {
        if (!specifier) continue;
        if (specifier.startsWith('.')) {
          const target = resolve(dirname(join(DIST, file)), specifier);
          if (relative(DIST, target).startsWith('..')) outside.push(`${file} → ${specifier}`);
        } else if (!specifier.startsWith('node:') && !builtins.has(specifier) && !production.has(packageName(specifier))) {
          devOnly.add(`${file} → ${specifier}`);
        }
      }
    }
    expect(outside).toEqual([]);
    expect([...devOnly]).toEqual([]);
  });

  it('is all the Dockerfile builds and copies into the image', () => {
    const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const stages = dockerfile.split(/^FROM /m).slice(1);
    expect(stages).toHaveLength(2);
    const [build, image] = stages as [string, string];
    expect(build.match(/^RUN .*$/gm)).toEqual(['RUN npm ci --no-audit --no-fund', 'RUN npm run build && npm prune --omit=dev']);
    expect(image.match(/^COPY .*$/gm)).toEqual([
      'COPY --from=build /app/node_modules ./node_modules',
      'COPY --from=build /app/dist ./dist',
      'COPY --from=build /app/apps/web/dist ./apps/web/dist',
      'COPY package.json ./',
    ]);
    expect(image).toMatch(/^CMD \[.*"dist\/apps\/server\/src\/main\.js"\]$/m);
  });
});
