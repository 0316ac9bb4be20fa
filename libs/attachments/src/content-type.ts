/**
 * The type of a file as its bytes say, never as its name or the client's header claims: the magic numbers of
 * the common formats, looked for in the first SNIFF_BYTES bytes; anything else is
 * `application/octet-stream` (or `text/plain` when the start reads as UTF-8 text without control bytes).
 */

/** How many leading bytes detectContentType needs at most. */
export const SNIFF_BYTES = 4100;

/** Images shown inline (and given dimensions and a thumbnail); every other type is served as a download. */
export const INLINE_IMAGE_TYPES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export const FALLBACK_CONTENT_TYPE = 'application/octet-stream';

const startsWith = (bytes: Uint8Array, signature: readonly number[], offset = 0): boolean =>
  bytes.length >= offset + signature.length && signature.every((value, index) => bytes[offset + index] === value);

const ascii = (bytes: Uint8Array, start: number, end: number): string => String.fromCharCode(...bytes.subarray(start, end));

/** ISO base media (MP4, QuickTime, HEIF, AVIF): an `ftyp` box first, its major brand tells which. */
function isoMediaType(bytes: Uint8Array): string | undefined {
  if (bytes.length < 12 || ascii(bytes, 4, 8) !== 'ftyp') return undefined;
  const brand = ascii(bytes, 8, 12).replace(/\0/g, ' ').trim();
  if (brand === 'avif' || brand === 'avis') return 'image/avif';
  if (['heic', 'heix', 'hevc', 'hevx', 'mif1', 'msf1'].includes(brand)) return 'image/heic';
  if (brand === 'qt') return 'video/quicktime';
  if (brand === 'M4A' || brand === 'M4B') return 'audio/mp4';
  if (brand.startsWith('3g')) return 'video/3gpp';
  return 'video/mp4';
}

/** RIFF containers: WebP, WAV, AVI. */
function riffType(bytes: Uint8Array): string | undefined {
  if (!startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) || bytes.length < 12) return undefined;
  const form = ascii(bytes, 8, 12);
  if (form === 'WEBP') return 'image/webp';
  if (form === 'WAVE') return 'audio/wav';
  if (form === 'AVI ') return 'video/x-msvideo';
  return undefined;
}

/** An MP3 without an ID3 tag starts with an MPEG audio frame: 11 sync bits, a layer other than "reserved". */
function isMpegAudioFrame(bytes: Uint8Array): boolean {
  const [first = 0, second = 0] = bytes;
  return first === 0xff && (second & 0xe0) === 0xe0 && (second & 0x06) !== 0 && (second & 0x18) !== 0x08;
}

/** Markup and text: what a browser would render as a page (HTML, SVG, XML) must be recognised to be refused inline. */
function textType(bytes: Uint8Array): string | undefined {
  let text: string;
  try {
    // A multi-byte character cut at the end of the window is not a reason to call it binary.
    text = new TextDecoder('utf-8', { fatal: true }).decode(trimPartialCharacter(bytes));
  } catch {
    return undefined;
  }
  // Control characters other than tab, line breaks and form feed: binary.
  if ([...text].some((character) => isBinaryControl(character.charCodeAt(0)))) return undefined;
  const head = text.replace(/^\uFEFF/, '').trimStart().slice(0, 1024).toLowerCase();
  if (/^<svg[\s>]/.test(head) || (/^<\?xml/.test(head) && head.includes('<svg'))) return 'image/svg+xml';
  if (/^<(!doctype html|html|head|body|script|iframe|meta|title|div|p|a|img|style)[\s>/]/.test(head) || /^<!--/.test(head)) return 'text/html';
  if (/^<\?xml/.test(head)) return 'application/xml';
  return 'text/plain';
}

function isBinaryControl(code: number): boolean {
  return code <= 0x08 || (code >= 0x0e && code <= 0x1f) || code === 0x7f;
}

/** Drops up to 3 trailing bytes of an incomplete UTF-8 sequence. */
function trimPartialCharacter(bytes: Uint8Array): Uint8Array {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back] ?? 0;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: look further back
    const expected = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return expected > back ? bytes.subarray(0, bytes.length - back) : bytes;
  }
  return bytes;
}

/** The MIME type of a file from its first bytes (at least SNIFF_BYTES of them, or the whole file when shorter). */
export function detectContentType(bytes: Uint8Array): string {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, [0x47, 0x49, 0x46, 0x38]) && (bytes[4] === 0x37 || bytes[4] === 0x39) && bytes[5] === 0x61) return 'image/gif';
  const riff = riffType(bytes);
  if (riff) return riff;
  if (startsWith(bytes, [0x25, 0x50, 0x44, 0x46, 0x2d])) return 'application/pdf';
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, [0x50, 0x4b, 0x05, 0x06])) return 'application/zip';
  if (startsWith(bytes, [0x1f, 0x8b])) return 'application/gzip';
  if (startsWith(bytes, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return 'application/x-7z-compressed';
  if (startsWith(bytes, [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07])) return 'application/vnd.rar';
  if (startsWith(bytes, [0x42, 0x4d]) && bytes.length >= 14 && startsWith(bytes, [0, 0], 6)) return 'image/bmp';
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return 'image/tiff';
  if (startsWith(bytes, [0x00, 0x00, 0x01, 0x00])) return 'image/x-icon';
  const iso = isoMediaType(bytes);
  if (iso) return iso;
  if (startsWith(bytes, [0x1a, 0x45, 0xdf, 0xa3])) return ascii(bytes, 0, Math.min(bytes.length, 64)).includes('webm') ? 'video/webm' : 'video/x-matroska';
  if (startsWith(bytes, [0x4f, 0x67, 0x67, 0x53])) return 'audio/ogg';
  if (startsWith(bytes, [0x66, 0x4c, 0x61, 0x43])) return 'audio/flac';
  if (startsWith(bytes, [0x49, 0x44, 0x33]) || isMpegAudioFrame(bytes)) return 'audio/mpeg';
  if (startsWith(bytes, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return 'application/x-ole-storage';
  if (startsWith(bytes, [0x7f, 0x45, 0x4c, 0x46])) return 'application/x-elf';
  if (startsWith(bytes, [0x4d, 0x5a])) return 'application/x-msdownload';
  if (bytes.length > 0) return textType(bytes) ?? FALLBACK_CONTENT_TYPE;
  return FALLBACK_CONTENT_TYPE;
}
