import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * The repository's Markdown must hold together in any clone: every relative link (and its #anchor) resolves to
 * a file that is committed. It lives beside the contract because the contract is the first thing it protects.
 */

const ROOT = resolve(__dirname, '..', '..', '..');

/** Folders that are never committed (.gitignore's entries without wildcards) or not ours. */
function ignoredFolders(): Set<string> {
  const fromGitignore = readFileSync(join(ROOT, '.gitignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#') && !line.includes('*'))
    .map((line) => line.replace(/^\/|\/$/g, ''));
  return new Set(['.git', ...fromGitignore]);
}

const IGNORED = ignoredFolders();

function markdownFiles(folder = ROOT): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isSymbolicLink() || IGNORED.has(entry.name)) return [];
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

/** The text with fenced code blocks and inline code spans blanked out (links there are examples). */
function withoutCode(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, 'code');
}

/** Link and image targets: inline, reference definitions, and HTML href/src. */
function linkTargets(markdown: string): string[] {
  const text = withoutCode(markdown);
  const inline = [...text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1]!);
  const definitions = [...text.matchAll(/^\s{0,3}\[[^\]]+\]:\s+<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)].map((match) => match[1]!);
  const html = [...text.matchAll(/\b(?:href|src)="([^"]+)"/g)].map((match) => match[1]!);
  return [...inline, ...definitions, ...html];
}

/** GitHub's heading anchors (github-slugger): lowercase, punctuation dropped, each space a hyphen, repeats numbered. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const text = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const [, heading = ''] of text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const rendered = heading.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = rendered
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  for (const [, id = ''] of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id);
  return anchors;
}

/** What is wrong with one link of `file`, or undefined when it resolves. */
function problem(file: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // https:, mailto:, … are not checked
  const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
  if (pathPart.startsWith('/')) return 'absolute path: use a path relative to this file';
  const resolved = pathPart === '' ? file : resolve(dirname(file), decodeURIComponent(pathPart));
  const inRepo = relative(ROOT, resolved);
  if (inRepo.startsWith('..')) return 'outside the repository';
  if (inRepo.split(sep).some((segment) => IGNORED.has(segment))) return 'in a folder that is not committed';
  if (!existsSync(resolved)) return 'no such file';
  if (anchor !== undefined && statSync(resolved).isFile() && resolved.endsWith('.md')) {
    if (!headingAnchors(readFileSync(resolved, 'utf8')).has(decodeURIComponent(anchor))) return `no heading #${anchor}`;
  }
  return undefined;
}

describe('Markdown links', () => {
  const files = markdownFiles();

  it('finds the README and the documents', () => {
    const names = files.map((file) => relative(ROOT, file));
    expect(names).toEqual(expect.arrayContaining(['README.md', join('docs', 'api-contract.md'), join('docs', 'configuration.md')]));
  });

  it('resolve, every one, to a committed file of the repository (and to a heading of it)', () => {
    const broken = files.flatMap((file) =>
      linkTargets(readFileSync(file, 'utf8')).flatMap((target) => {
        const reason = problem(file, target);
        return reason === undefined ? [] : [`${relative(ROOT, file)}: (${target}) ${reason}`];
      }),
    );
    expect(broken).toEqual([]);
  });

  it('keeps the README a front door: at most 150 lines, opening with the two commands', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme.trimEnd().split('\n').length).toBeLessThanOrEqual(150);
    const firstBlock = /```[^\n]*\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    expect(firstBlock).toMatch(/^npm ci && npm start\b.*\nnpm ci && npm test\b/);
  });
});

describe('the link checker', () => {
  it('finds inline links, images, reference definitions and HTML, but not code', () => {
    const markdown = [
      'See [a](a.md#x), ![b](img/b.png "title") and <a href="c.md">c</a>.',
      '[d]: d.md',
      '`[not](in-code.md)`',
      '```',
      '[not](in-a-block.md)',
      '```',
    ].join('\n');
    expect(linkTargets(markdown)).toEqual(['a.md#x', 'img/b.png', 'd.md', 'c.md']);
  });

  it('derives GitHub anchors from headings', () => {
    const anchors = headingAnchors('# Parley\n## 11. Reconnecting, token expiry\n## `GET /api/health`\n## Parley\n```\n# not a heading\n```');
    expect([...anchors]).toEqual(['parley', '11-reconnecting-token-expiry', 'get-apihealth', 'parley-1']);
  });
});
