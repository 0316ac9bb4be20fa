import type { SqlRunner } from '@parley/database';
import { queryRows } from '@parley/database';
import { Readable } from 'node:stream';
import type { ByteRange } from '../byte-range';
import type { AttachmentStore, StoredPart } from './attachment-store';

/** Bytes per row of attachment_chunks: big enough for few rows, small enough to never matter in memory. */
export const CHUNK_BYTES = 256 * 1024;

const PART_NUMBER: Record<StoredPart, number> = { file: 0, thumbnail: 1 };

/**
 * ATTACHMENT_STORAGE=postgres: the bytes in attachment_chunks, every chunk but the last exactly CHUNK_BYTES
 * (so a byte offset names its chunk). Chunks reference the attachment row, so removing the row removes them.
 */
export class PostgresAttachmentStore implements AttachmentStore {
  readonly kind = 'postgres' as const;

  constructor(private readonly db: SqlRunner) {}

  async write(attachmentId: string, part: StoredPart, source: Readable): Promise<number> {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let seq = 0;
    let total = 0;
    const flush = async (chunk: Buffer): Promise<void> => {
      await this.db.query('INSERT INTO attachment_chunks (attachment_id, part, seq, data) VALUES ($1, $2, $3, $4)', [attachmentId, PART_NUMBER[part], seq++, chunk]);
    };
    for await (const piece of source as AsyncIterable<Buffer>) {
      pending.push(piece);
      pendingBytes += piece.length;
      total += piece.length;
      while (pendingBytes >= CHUNK_BYTES) {
        const joined = Buffer.concat(pending, pendingBytes);
        await flush(joined.subarray(0, CHUNK_BYTES));
        pending = [joined.subarray(CHUNK_BYTES)];
        pendingBytes -= CHUNK_BYTES;
      }
    }
    if (pendingBytes > 0) await flush(Buffer.concat(pending, pendingBytes));
    return total;
  }

  async read(attachmentId: string, part: StoredPart, range?: ByteRange): Promise<Readable> {
    const [first] = await queryRows<{ seq: number }>(this.db, 'SELECT seq FROM attachment_chunks WHERE attachment_id = $1 AND part = $2 AND seq = 0', [attachmentId, PART_NUMBER[part]]);
    if (!first) throw new Error(`attachment ${attachmentId} has no stored ${part}`);
    const start = range?.start ?? 0;
    const end = range?.end ?? Number.MAX_SAFE_INTEGER;
    const db = this.db;
    // One chunk at a time, when the reader wants more (Readable.from pulls the generator on demand).
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let seq = Math.floor(start / CHUNK_BYTES); seq * CHUNK_BYTES <= end; seq++) {
        const chunkStart = seq * CHUNK_BYTES;
        const from = Math.max(start, chunkStart) - chunkStart;
        const count = Math.min(end, chunkStart + CHUNK_BYTES - 1) - chunkStart - from + 1;
        const [row] = await queryRows<{ data: Buffer }>(
          db,
          'SELECT substring(data FROM $4 FOR $5) AS data FROM attachment_chunks WHERE attachment_id = $1 AND part = $2 AND seq = $3',
          [attachmentId, PART_NUMBER[part], seq, from + 1, count],
        );
        if (!row) {
          if (range === undefined) return; // the end of the file
          throw new Error(`attachment ${attachmentId}: chunk ${seq} is missing`);
        }
        yield row.data;
        if (row.data.length < count) return;
      }
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  async remove(attachmentId: string): Promise<void> {
    await this.db.query('DELETE FROM attachment_chunks WHERE attachment_id = $1', [attachmentId]);
  }
}
