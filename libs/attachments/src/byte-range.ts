/** An inclusive byte range of a representation. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * One `Range: bytes=…` (RFC 9110 §14) against a representation of `size` bytes: `a-b`, `a-` or the suffix
 * `-n`, `end` clamped to the last byte. Null means "send the whole thing" (200): no header, another unit,
 * several ranges, a malformed or an unsatisfiable one — a server may ignore a Range it will not serve, which
 * keeps every error body the contract's.
 */
export function parseByteRange(header: string | undefined, size: number): ByteRange | null {
  if (header === undefined || size === 0) return null;
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return null;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return null;
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || end < start) return null;
  return { start, end };
}
