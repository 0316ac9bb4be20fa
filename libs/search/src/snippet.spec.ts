import { buildSnippet, SNIPPET_MAX, type MatchedTokens } from './snippet';

/** Tokens as ts_debug gives them: words and the blanks between them; `*word` marks a match. */
const tokens = (text: string): MatchedTokens =>
  text.split(/(\s+)/).filter(Boolean).map((token) => (token.startsWith('*') ? [token.slice(1), true] : [token, /^\s+$/.test(token) ? null : false]));
const marked = ({ snippet, highlights }: ReturnType<typeof buildSnippet>): string[] => highlights.map(({ start, end }) => snippet.slice(start, end));

describe('buildSnippet', () => {
  it('keeps a short message whole, exactly as written, with the matched words', () => {
    const result = buildSnippet(tokens('A *walrus <b>walks</b> into the *bar'));
    expect(result.snippet).toBe('A walrus <b>walks</b> into the bar');
    expect(marked(result)).toEqual(['walrus', 'bar']);
  });

  it('joins the words of a phrase into one highlight, not words apart from each other', () => {
    expect(marked(buildSnippet(tokens('please *deploy *staging now, then *deploy prod')))).toEqual(['deploy staging', 'deploy']);
  });

  it('cuts a long message around its first match, at word boundaries, with ellipses', () => {
    const before = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');
    const after = Array.from({ length: 60 }, (_, i) => `z${i}`).join(' ');
    const result = buildSnippet(tokens(`${before} *needle ${after}`));
    expect(result.snippet.length).toBeLessThanOrEqual(SNIPPET_MAX + 2);
    expect(result.snippet.startsWith('…w')).toBe(true);
    expect(result.snippet.endsWith('…')).toBe(true);
    expect(marked(result)).toEqual(['needle']);
    const lead = result.snippet.indexOf('needle');
    expect(lead).toBeGreaterThan(40);
    expect(lead).toBeLessThanOrEqual(62);
  });

  it('starts a long message at its beginning when the match is early', () => {
    const result = buildSnippet(tokens(`*first ${'word '.repeat(80)}`));
    expect(result.snippet.startsWith('first word')).toBe(true);
    expect(result.highlights).toEqual([{ start: 0, end: 5 }]);
  });

  it('keeps a first token longer than the limit', () => {
    const long = 'x'.repeat(300);
    expect(buildSnippet(tokens(`*${long} y`)).snippet).toBe(`${long}…`);
  });
});
