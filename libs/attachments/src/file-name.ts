/** The longest stored file name, in UTF-16 code units (a surrogate pair is never cut). */
export const FILE_NAME_MAX = 200;

export const DEFAULT_FILE_NAME = 'file';

/**
 * A file name as the client gave it, made harmless to store and to put in a Content-Disposition header: only
 * the last path part (both separators), no control or format characters (bidi overrides such as U+202E
 * that make `gpj.exe` read `exe.jpg`, zero-width characters), no leading dots or trailing dots and spaces,
 * normalised to NFC, at most FILE_NAME_MAX long with the extension kept. Nothing left: `file`.
 */
export function sanitizeFileName(raw: string | undefined): string {
  const lastPart = (raw ?? '').split(/[/\\]/).pop() ?? '';
  const cleaned = lastPart
    .normalize('NFC')
    // Cf (format: bidi controls, zero-width characters, BOM) go; line breaks, tabs and other spaces become one
    // space; the other Cc (controls) go.
    .replace(/\p{Cf}/gu, '')
    .replace(/\s+/g, ' ')
    .replace(/\p{Cc}/gu, '')
    .replace(/^[\s.]+/, '')
    .replace(/[\s.]+$/, '');
  if (cleaned === '') return DEFAULT_FILE_NAME;
  return truncateKeepingExtension(cleaned, FILE_NAME_MAX);
}

function truncateKeepingExtension(name: string, max: number): string {
  if (name.length <= max) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
  return cutAt(name.slice(0, name.length - extension.length), max - extension.length).replace(/[\s.]+$/, '') + extension;
}

/** The first `max` code units, one less when that would split a surrogate pair. */
function cutAt(text: string, max: number): string {
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/**
 * A Content-Disposition value (RFC 6266): `filename` with an ASCII fallback (non-ASCII, quotes and
 * backslashes replaced), `filename*` with the exact name percent-encoded in UTF-8.
 */
export function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
