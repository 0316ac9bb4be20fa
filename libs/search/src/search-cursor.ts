import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ApiError } from '@parley/common';

/** Where a page of hits ended: the last hit's rank, creation time (PostgreSQL's, to the microsecond) and id. */
export interface SearchPosition {
  rank: number;
  createdAt: string;
  id: string;
}

const VERSION = 1;
const TAG_BYTES = 16;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** As PostgreSQL's to_json writes a timestamptz: 2026-12-03T07:16:24.123456+00:00. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/;

export const INVALID_CURSOR = 'Invalid query: cursor is not one this server gave out (pass the nextCursor of the previous page unchanged)';
export const FOREIGN_CURSOR = 'Invalid query: cursor belongs to another search (repeat the same q and filters, or start again without a cursor)';

/**
 * Opaque paging cursors of message search: the position after the page, bound to the search it came from
 * (a fingerprint of q and the filters) and signed, so that a cursor that was altered, truncated or made up is
 * refused with `validation_failed` instead of reaching SQL. The key derives from the JWT secret, which every
 * instance shares, so a cursor works on any instance (and stops working when the secret changes).
 */
export class SearchCursors {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('parley search cursor').digest();
  }

  /** A fingerprint of everything that selects and orders hits (not `limit`: pages may differ in size). */
  static fingerprint(search: Readonly<Record<string, string | undefined>>): string {
    const fields = Object.keys(search)
      .sort()
      .map((key) => [key, search[key] ?? null]);
    return createHash('sha256').update(JSON.stringify(fields)).digest('base64url').slice(0, 16);
  }

  encode(position: SearchPosition, fingerprint: string): string {
    const payload = Buffer.from(JSON.stringify([VERSION, fingerprint, position.rank, position.createdAt, position.id])).toString('base64url');
    return `${payload}.${this.tag(payload)}`;
  }

  /** The position a cursor holds; `validation_failed` for anything but an unchanged cursor of this search. */
  decode(cursor: string, fingerprint: string): SearchPosition {
    const [payload, tag, extra] = cursor.split('.');
    if (payload === undefined || tag === undefined || extra !== undefined || !this.verify(payload, tag)) throw invalid(INVALID_CURSOR);
    let fields: unknown;
    try {
      fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw invalid(INVALID_CURSOR);
    }
    if (!Array.isArray(fields) || fields.length !== 5) throw invalid(INVALID_CURSOR);
    const [version, boundTo, rank, createdAt, id] = fields as unknown[];
    if (version !== VERSION || typeof boundTo !== 'string') throw invalid(INVALID_CURSOR);
    if (typeof rank !== 'number' || !Number.isFinite(rank) || rank < 0) throw invalid(INVALID_CURSOR);
    if (typeof createdAt !== 'string' || !TIMESTAMP.test(createdAt) || typeof id !== 'string' || !UUID.test(id)) throw invalid(INVALID_CURSOR);
    if (boundTo !== fingerprint) throw invalid(FOREIGN_CURSOR);
    return { rank, createdAt, id };
  }

  private tag(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest().subarray(0, TAG_BYTES).toString('base64url');
  }

  private verify(payload: string, tag: string): boolean {
    const expected = Buffer.from(this.tag(payload));
    const given = Buffer.from(tag);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

function invalid(message: string): ApiError {
  return ApiError.validation(message, { cursor: [message.replace(/^Invalid query: /, '')] });
}
