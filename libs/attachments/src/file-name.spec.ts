import { contentDisposition, DEFAULT_FILE_NAME, FILE_NAME_MAX, sanitizeFileName } from './file-name';

describe('sanitizeFileName', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\alice\\secret.docx', 'secret.docx'],
    ['\u202Egpj.exe', 'gpj.exe'],
    ['in\u200Bvisible\uFEFF.txt', 'invisible.txt'],
    ['bell\u0007\u0000name.txt', 'bellname.txt'],
    ['line\nbreak.txt', 'line break.txt'],
    ['a\u2028b\tc.txt', 'a b c.txt'],
    ['  ..hidden.  ', 'hidden'],
    ['e\u0301te\u0301.txt', 'été.txt'],
    ['', DEFAULT_FILE_NAME],
    ['../', DEFAULT_FILE_NAME],
    ['\u202E', DEFAULT_FILE_NAME],
  ])('%j → %j', (raw, expected) => {
    expect(sanitizeFileName(raw)).toBe(expected);
  });

  it('cuts a long name to FILE_NAME_MAX, keeping a short extension and never half a surrogate pair', () => {
    const long = sanitizeFileName(`${'a'.repeat(1000)}.tar.gz`);
    expect(long).toHaveLength(FILE_NAME_MAX);
    expect(long.endsWith('.gz')).toBe(true);
    const emoji = sanitizeFileName('😀'.repeat(150));
    expect(emoji.length).toBeLessThanOrEqual(FILE_NAME_MAX);
    expect(emoji).toBe('😀'.repeat(100));
    expect(sanitizeFileName(undefined)).toBe(DEFAULT_FILE_NAME);
  });
});

describe('contentDisposition', () => {
  it('gives an ASCII fallback and the exact name in UTF-8', () => {
    expect(contentDisposition('attachment', 'a "b" \\c%.txt')).toBe(`attachment; filename="a _b_ _c_.txt"; filename*=UTF-8''a%20%22b%22%20%5Cc%25.txt`);
    expect(contentDisposition('inline', 'café (1).png')).toBe(`inline; filename="caf_ (1).png"; filename*=UTF-8''caf%C3%A9%20%281%29.png`);
  });
});
