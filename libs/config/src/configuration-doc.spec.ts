import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { loadConfig, type AppConfig } from './config';

/** docs/configuration.md must list exactly what loadConfig reads, with the defaults it applies. */

const DOC = join(__dirname, '..', '..', '..', 'docs', 'configuration.md');

interface DocumentedVariable {
  name: string;
  /** The default cell's text; `literal` when written as `code` (a value), not as an *italic* description. */
  defaultCell: string;
  literal: boolean;
}

/** The rows of the first `| variable | default | meaning |` table. */
function documentedVariables(markdown: string): DocumentedVariable[] {
  const lines = markdown.split('\n');
  const header = lines.findIndex((line) => /^\|\s*variable\s*\|\s*default\s*\|\s*meaning\s*\|$/.test(line.trim()));
  if (header < 0) throw new Error(`${DOC} has no "| variable | default | meaning |" table`);
  const rows: DocumentedVariable[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.trim().startsWith('|')) break;
    const [nameCell = '', defaultCell = ''] = line.split('|').slice(1, 3).map((cell) => cell.trim());
    const name = /^`([A-Z0-9_]+)`$/.exec(nameCell)?.[1];
    if (name === undefined) throw new Error(`one variable per row, written as \`NAME\`: "${nameCell}"`);
    const literal = /^`([^`]*)`$/.exec(defaultCell);
    if (literal === null && !/^\*[^*]+\*$/.test(defaultCell)) {
      throw new Error(`${name}: write the default as \`value\` or as an *italic description*, not "${defaultCell}"`);
    }
    rows.push({ name, defaultCell: literal?.[1] ?? defaultCell, literal: literal !== null });
  }
  return rows;
}

/** Every environment variable loadConfig looks at, whatever the environment (including one it refuses). */
function variablesReadBySchema(dataDir: string): string[] {
  const read = new Set<string>();
  const recording = (env: Record<string, string>): Record<string, string | undefined> =>
    new Proxy(env, {
      get(target, property) {
        if (typeof property === 'string') read.add(property);
        return target[property as string];
      },
    });
  const environments: Array<Record<string, string>> = [
    { NODE_ENV: 'test' },
    { NODE_ENV: 'development', PARLEY_DATA_DIR: dataDir },
    { NODE_ENV: 'production' },
  ];
  for (const env of environments) {
    try {
      loadConfig(recording(env));
    } catch {
      // production without JWT_SECRET is refused, after every variable was read
    }
  }
  return [...read].sort();
}

/** The config minus what is random per call even with the same environment. */
function comparable(config: AppConfig): Omit<AppConfig, 'jwtKey'> {
  const { jwtKey: _key, ...rest } = config;
  return rest;
}

describe('docs/configuration.md', () => {
  const documented = documentedVariables(readFileSync(DOC, 'utf8'));
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'parley-config-doc-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('lists each variable once', () => {
    const names = documented.map((row) => row.name);
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
  });

  it('lists exactly the environment variables the config schema reads', () => {
    const read = variablesReadBySchema(dataDir);
    expect(read.length).toBeGreaterThan(20);
    const names = documented.map((row) => row.name);
    expect({ readButNotDocumented: read.filter((name) => !names.includes(name)), documentedButNotRead: names.filter((name) => !read.includes(name)) }).toEqual({
      readButNotDocumented: [],
      documentedButNotRead: [],
    });
  });

  it('gives each literal default as the value the server uses when the variable is unset', () => {
    // Development, with what would otherwise be generated or written to the working directory pinned.
    const base: Record<string, string> = { JWT_SECRET: 'k3Jq9vX2mP7wR4tY8uZ1aB5cD6eF0gH2', INSTANCE_ID: 'doc-check', PARLEY_DATA_DIR: dataDir };
    const literals = documented.filter((row) => row.literal);
    expect(literals.length).toBeGreaterThan(20);
    const mismatches = literals.filter(({ name, defaultCell }) => {
      const { [name]: _omitted, ...unset } = base;
      let explicit: AppConfig;
      try {
        explicit = loadConfig({ ...base, [name]: defaultCell });
      } catch {
        return true; // the documented default is not even a valid value
      }
      return !isDeepStrictEqual(comparable(explicit), comparable(loadConfig(unset)));
    });
    expect(mismatches.map(({ name, defaultCell }) => `${name}=${defaultCell}`)).toEqual([]);
  });
});
