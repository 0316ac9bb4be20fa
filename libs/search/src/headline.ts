/** Marks ts_headline puts around matched words: Unicode noncharacters, taken out of the text before it runs. */
export const MATCH_START = '\uFDD0';
export const MATCH_END = '\uFDD1';

/** ts_headline's options: whole short messages, up to two fragments of a long one. */
export const HEADLINE_OPTIONS = `StartSel=${MATCH_START}, StopSel=${MATCH_END}, MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "`;

/** A headline with the marks turned into plain text and the offsets of what they marked. */
export function parseHeadline(headline: string): { snippet: string; highlights: Array<{ start: number; end: number }> } {
  let snippet = '';
  const highlights: Array<{ start: number; end: number }> = [];
  let start = -1;
  for (const char of headline) {
    if (char === MATCH_START) {
      start = snippet.length;
    } else if (char === MATCH_END) {
      if (start >= 0 && snippet.length > start) {
        const previous = highlights[highlights.length - 1];
        // ts_headline marks each word: adjacent words of a phrase become one highlight.
        if (previous && /^\s*$/.test(snippet.slice(previous.end, start))) previous.end = snippet.length;
        else highlights.push({ start, end: snippet.length });
      }
      start = -1;
    } else {
      snippet += char;
    }
  }
  return { snippet, highlights };
}
