import { detectContentType, FALLBACK_CONTENT_TYPE, INLINE_IMAGE_TYPES } from './content-type';

const bytes = (...values: Array<number | string>): Uint8Array =>
  Uint8Array.from(values.flatMap((value) => (typeof value === 'string' ? [...Buffer.from(value, 'latin1')] : [value])));

describe('detectContentType', () => {
  it.each([
    ['png', bytes(0x89, 'PNG\r\n', 0x1a, '\n', 0, 0, 0, 13, 'IHDR'), 'image/png'],
    ['jpeg', bytes(0xff, 0xd8, 0xff, 0xe0, 0, 16, 'JFIF'), 'image/jpeg'],
    ['gif89a', bytes('GIF89a', 1, 0, 1, 0), 'image/gif'],
    ['gif87a', bytes('GIF87a', 1, 0, 1, 0), 'image/gif'],
    ['webp', bytes('RIFF', 0x24, 0, 0, 0, 'WEBPVP8 '), 'image/webp'],
    ['wav', bytes('RIFF', 0x24, 0, 0, 0, 'WAVEfmt '), 'audio/wav'],
    ['pdf', bytes('%PDF-1.7\n'), 'application/pdf'],
    ['zip (and docx, xlsx, jar)', bytes('PK', 3, 4, 20, 0), 'application/zip'],
    ['gzip', bytes(0x1f, 0x8b, 8, 0), 'application/gzip'],
    ['mp4', bytes(0, 0, 0, 0x20, 'ftypisom', 0, 0, 2, 0), 'video/mp4'],
    ['quicktime', bytes(0, 0, 0, 0x14, 'ftypqt  '), 'video/quicktime'],
    ['heic', bytes(0, 0, 0, 0x18, 'ftypheic'), 'image/heic'],
    ['avif', bytes(0, 0, 0, 0x1c, 'ftypavif'), 'image/avif'],
    ['mp3 with ID3', bytes('ID3', 4, 0, 0), 'audio/mpeg'],
    ['mp3 frame', bytes(0xff, 0xfb, 0x90, 0x64), 'audio/mpeg'],
    ['ogg', bytes('OggS', 0, 2), 'audio/ogg'],
    ['flac', bytes('fLaC', 0, 0, 0, 0x22), 'audio/flac'],
    ['webm', bytes(0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 1, 'B', 0xf7, 0x81, 1, 'webm'), 'video/webm'],
    ['html', bytes('  <!DOCTYPE html><html>'), 'text/html'],
    ['html fragment', bytes('<script>alert(1)</script>'), 'text/html'],
    ['svg', bytes('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'image/svg+xml'],
    ['svg with an XML prolog', bytes('<?xml version="1.0"?>\n<svg/>'), 'image/svg+xml'],
    ['xml', bytes('<?xml version="1.0"?><note/>'), 'application/xml'],
    ['plain text, UTF-8', Buffer.from('Grüße, 世界\n'), 'text/plain'],
  ])('recognises %s', (_label, input, expected) => {
    expect(detectContentType(input)).toBe(expected);
  });

  it('falls back to application/octet-stream for unknown binary and for nothing', () => {
    expect(detectContentType(bytes(0, 1, 2, 3, 0xfe, 0xff))).toBe(FALLBACK_CONTENT_TYPE);
    expect(detectContentType(new Uint8Array())).toBe(FALLBACK_CONTENT_TYPE);
    // Not UTF-8.
    expect(detectContentType(bytes('abc', 0xc3, 0x28, 'def'))).toBe(FALLBACK_CONTENT_TYPE);
  });

  it('calls text cut in the middle of a multi-byte character text', () => {
    const text = Buffer.from('é'.repeat(10));
    expect(detectContentType(text.subarray(0, text.length - 1))).toBe('text/plain');
  });

  it('never calls anything but png, jpeg, gif and webp a safe image', () => {
    expect([...INLINE_IMAGE_TYPES].sort()).toEqual(['image/gif', 'image/jpeg', 'image/png', 'image/webp']);
    expect(INLINE_IMAGE_TYPES.has(detectContentType(bytes('<svg/>')))).toBe(false);
  });
});
