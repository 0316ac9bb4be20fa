import { ApiError } from '@parley/common';
import { FOREIGN_CURSOR, INVALID_CURSOR, SearchCursors, type SearchPosition } from './search-cursor';

const position: SearchPosition = { rank: 0.0607927, createdAt: '2026-12-03T07:16:24.123456+00:00', id: '6f1c2b9e-8d7a-4a34-9a51-0c7f1e3b2d10' };
const search = SearchCursors.fingerprint({ q: 'deploy', roomId: undefined, authorId: undefined, before: undefined, after: undefined });

function refusal(decode: () => unknown): ApiError {
  try {
    decode();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('the cursor was accepted');
}

describe('SearchCursors', () => {
  const cursors = new SearchCursors('secret-one-that-is-long-enough-0123456789');

  it('gives back the position it encoded, for the same search', () => {
    const cursor = cursors.encode(position, search);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(cursors.decode(cursor, search)).toEqual(position);
  });

  it('works on another instance with the same secret, not with another secret', () => {
    const cursor = cursors.encode(position, search);
    expect(new SearchCursors('secret-one-that-is-long-enough-0123456789').decode(cursor, search)).toEqual(position);
    expect(refusal(() => new SearchCursors('another-secret-that-is-long-enough-9876').decode(cursor, search)).message).toBe(INVALID_CURSOR);
  });

  it('refuses every altered character with validation_failed, naming the cursor', () => {
    const cursor = cursors.encode(position, search);
    for (let index = 0; index < cursor.length; index++) {
      const altered = `${cursor.slice(0, index)}${cursor[index] === 'A' ? 'B' : 'A'}${cursor.slice(index + 1)}`;
      const error = refusal(() => cursors.decode(altered, search));
      expect(error).toMatchObject({ code: 'validation_failed', message: INVALID_CURSOR, details: { cursor: [expect.stringContaining('cursor is not one')] } });
    }
  });

  it('refuses cursors that are truncated, extended or made up', () => {
    const cursor = cursors.encode(position, search);
    const [payload, tag] = cursor.split('.') as [string, string];
    const madeUp = Buffer.from(JSON.stringify([1, search, 99, position.createdAt, position.id])).toString('base64url');
    for (const bad of ['', '.', payload, `${payload}.`, `.${tag}`, `${cursor}.x`, `${madeUp}.${tag}`, cursor.slice(0, -1), 'not base64 !', '{}']) {
      expect(refusal(() => cursors.decode(bad, search)).message).toBe(INVALID_CURSOR);
    }
  });

  it('refuses a signed cursor whose content is not a position (a bug or an old version, never a 500)', () => {
    const signed = (fields: unknown): string => {
      const payload = Buffer.from(JSON.stringify(fields)).toString('base64url');
      // Signed with the real key, as encode signs.
      return `${payload}.${(cursors as unknown as { tag(p: string): string }).tag(payload)}`;
    };
    for (const fields of [
      [2, search, 0.1, position.createdAt, position.id],
      [1, search, -1, position.createdAt, position.id],
      [1, search, 'NaN', position.createdAt, position.id],
      [1, search, 0.1, 'yesterday', position.id],
      [1, search, 0.1, position.createdAt, "1' OR '1'='1"],
      [1, search, 0.1, position.createdAt],
      { rank: 0.1 },
    ]) {
      expect(refusal(() => cursors.decode(signed(fields), search)).message).toBe(INVALID_CURSOR);
    }
  });

  it('refuses a cursor of another search (another q or filter), but not another page size', () => {
    const cursor = cursors.encode(position, search);
    const other = SearchCursors.fingerprint({ q: 'deploy', roomId: '0b5e8a52-6f43-4f0e-a3f7-2b1a86c9a0de', authorId: undefined, before: undefined, after: undefined });
    expect(refusal(() => cursors.decode(cursor, other)).message).toBe(FOREIGN_CURSOR);
    expect(SearchCursors.fingerprint({ q: 'deploy', after: undefined })).toBe(SearchCursors.fingerprint({ after: undefined, q: 'deploy' }));
    expect(SearchCursors.fingerprint({ q: 'a b' })).not.toBe(SearchCursors.fingerprint({ q: 'a  b' }));
  });
});
