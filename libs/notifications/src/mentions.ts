/** `@username` not preceded by a username character (so e-mail addresses do not mention anyone). */
const MENTION = /(?<![A-Za-z0-9_.-])@([A-Za-z0-9_.-]{3,32})/g;

/** Distinct usernames mentioned in a message, lower-cased, at most `limit` (a spam guard). */
export function parseMentions(content: string, limit = 20): string[] {
  const names = new Set<string>();
  for (const match of content.matchAll(MENTION)) {
    const name = (match[1] ?? '').replace(/[.-]+$/, '').toLowerCase(); // "@bob." at the end of a sentence
    if (name.length >= 3) names.add(name);
    if (names.size >= limit) break;
  }
  return [...names];
}

export function preview(content: string, length = 140): string {
  return content.length <= length ? content : `${content.slice(0, length - 1)}…`;
}
