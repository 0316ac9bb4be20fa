/** A message cut into its text search tokens (every character in one), each flagged when it matched the query. */
export type MatchedTokens = ReadonlyArray<readonly [token: string, matched: boolean | null]>;

export interface Snippet {
  snippet: string;
  highlights: Array<{ start: number; end: number }>;
}

/** Longest snippet: a message up to this long is shown whole. */
export const SNIPPET_MAX = 200;
/** How much of a long message is kept before its first match. */
const LEAD = 60;
const ELLIPSIS = '…';

/**
 * The snippet of a hit: the message itself, or a window of it from a little before its first match, cut at
 * token boundaries with an ellipsis where text was left out. Plain text exactly as written (no markup for a
 * client to escape); the matched words come as offsets, adjacent matched words (a phrase) as one highlight.
 */
export function buildSnippet(tokens: MatchedTokens): Snippet {
  const starts: number[] = [];
  let length = 0;
  for (const [token] of tokens) {
    starts.push(length);
    length += token.length;
  }
  let first = 0;
  let last = tokens.length;
  if (length > SNIPPET_MAX) {
    const firstMatch = Math.max(0, tokens.findIndex(([, matched]) => matched === true));
    const from = Math.max(0, (starts[firstMatch] as number) - LEAD);
    while (first < firstMatch && ((starts[first] as number) < from || /^\s*$/.test(tokens[first]?.[0] ?? ''))) first++;
    last = first + 1;
    while (last < tokens.length && (starts[last] as number) + (tokens[last]?.[0].length ?? 0) - (starts[first] as number) <= SNIPPET_MAX) last++;
  }
  const lead = first > 0 ? ELLIPSIS : '';
  let snippet = lead;
  const highlights: Snippet['highlights'] = [];
  for (let index = first; index < last; index++) {
    const [token, matched] = tokens[index] as MatchedTokens[number];
    if (matched === true) {
      const previous = highlights[highlights.length - 1];
      // Words of a phrase, apart only by spaces, read as one highlight.
      if (previous && /^\s*$/.test(snippet.slice(previous.end))) previous.end = snippet.length + token.length;
      else highlights.push({ start: snippet.length, end: snippet.length + token.length });
    }
    snippet += token;
  }
  if (last < tokens.length) snippet += ELLIPSIS;
  return { snippet, highlights };
}
