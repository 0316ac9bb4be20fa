import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { AttachmentStorageKind } from '@parley/config';
import { queryModified, queryRows } from '@parley/database';
import { DataSource } from 'typeorm';

export interface AttachmentRow {
  id: string;
  room_id: string | null;
  uploader_id: string;
  message_id: string | null;
  name: string;
  content_type: string;
  size: string;
  width: number | null;
  height: number | null;
  /** Null: no thumbnail (not an image). */
  thumbnail_size: number | null;
  storage: AttachmentStorageKind;
  created_at: Date;
  message_deleted_at: Date | null;
}

/** What the sweep removed: the rows are gone, their bytes are for the caller to remove from the store. */
export interface RemovedAttachment {
  id: string;
  storage: AttachmentStorageKind;
}

export interface StoredFacts {
  contentType: string;
  size: number;
  width: number | null;
  height: number | null;
  thumbnailSize: number | null;
}

const COLUMNS = `id, room_id, uploader_id, message_id, name, content_type, size, width, height, thumbnail_size, storage, created_at, message_deleted_at`;

@Injectable()
export class AttachmentsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The bytes the uploader's attachments take (those still uploading count as nothing yet). */
  async usedBytes(uploaderId: string): Promise<number> {
    const [row] = await queryRows<{ used: string }>(this.db, `SELECT COALESCE(sum(size), 0) AS used FROM attachments WHERE uploader_id = $1`, [uploaderId]);
    return Number(row?.used ?? 0);
  }

  /** The row of an upload about to stream in (no bytes yet: stored_at null). */
  async insertUpload(roomId: string, uploaderId: string, name: string, storage: AttachmentStorageKind): Promise<string> {
    const [row] = await queryRows<{ id: string }>(this.db, `INSERT INTO attachments (room_id, uploader_id, name, storage) VALUES ($1, $2, $3, $4) RETURNING id`, [
      roomId,
      uploaderId,
      name,
      storage,
    ]);
    if (!row) throw new Error('INSERT … RETURNING gave no row');
    return row.id;
  }

  /**
   * Marks the upload stored, unless that takes its uploader past `quota` (false, nothing changed) or the row
   * is gone (swept meanwhile: false). One uploader's completions are serialised, so concurrent uploads cannot
   * pass the quota together.
   */
  async completeUpload(id: string, uploaderId: string, facts: StoredFacts, quota: number): Promise<'stored' | 'over_quota' | 'gone'> {
    return this.db.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('parley:attachment-quota:' || $1, 0))`, [uploaderId]);
      const [usage] = await queryRows<{ used: string }>(manager, `SELECT COALESCE(sum(size), 0) AS used FROM attachments WHERE uploader_id = $1 AND id <> $2`, [uploaderId, id]);
      if (Number(usage?.used ?? 0) + facts.size > quota) return 'over_quota';
      const { count } = await queryModified(
        manager,
        `UPDATE attachments SET content_type = $2, size = $3, width = $4, height = $5, thumbnail_size = $6, stored_at = now() WHERE id = $1 AND stored_at IS NULL`,
        [id, facts.contentType, facts.size, facts.width, facts.height, facts.thumbnailSize],
      );
      return count === 1 ? 'stored' : 'gone';
    });
  }

  /** Removes one row (a failed upload); its chunks go with it. */
  async delete(id: string): Promise<void> {
    await this.db.query(`DELETE FROM attachments WHERE id = $1`, [id]);
  }

  /** A stored attachment (not one still uploading). */
  async findStored(id: string): Promise<AttachmentRow | undefined> {
    const [row] = await queryRows<AttachmentRow>(this.db, `SELECT ${COLUMNS} FROM attachments WHERE id = $1 AND stored_at IS NOT NULL`, [id]);
    return row;
  }

  /** The stored attachments among `ids`. */
  async findStoredAmong(ids: readonly string[]): Promise<AttachmentRow[]> {
    return queryRows<AttachmentRow>(this.db, `SELECT ${COLUMNS} FROM attachments WHERE id = ANY($1::uuid[]) AND stored_at IS NOT NULL`, [[...ids]]);
  }

  /** The uploader's stored, unsent attachments of the room among `ids`. */
  async findUnsent(uploaderId: string, roomId: string, ids: readonly string[]): Promise<AttachmentRow[]> {
    return queryRows<AttachmentRow>(
      this.db,
      `SELECT ${COLUMNS} FROM attachments
       WHERE id = ANY($3::uuid[]) AND uploader_id = $1 AND room_id = $2 AND message_id IS NULL AND stored_at IS NOT NULL`,
      [uploaderId, roomId, [...ids]],
    );
  }

  /**
   * Deletes up to `limit` expired rows and returns them: uploads never sent within `unsentTtlMs` (finished or
   * not), files of messages deleted more than `retentionMs` ago, and attachments of deleted rooms. SKIP LOCKED
   * and DELETE … RETURNING: each row is removed (and reported) by one instance only, however many sweep.
   */
  async deleteExpired(unsentTtlMs: number, retentionMs: number, limit: number): Promise<RemovedAttachment[]> {
    const { rows } = await queryModified<RemovedAttachment>(
      this.db,
      `DELETE FROM attachments WHERE id IN (
         SELECT id FROM attachments
         WHERE (message_id IS NULL AND created_at < now() - make_interval(secs => $1::double precision / 1000))
            OR message_deleted_at < now() - make_interval(secs => $2::double precision / 1000)
            OR room_id IS NULL
         LIMIT $3
         FOR UPDATE SKIP LOCKED)
       RETURNING id, storage`,
      [unsentTtlMs, retentionMs, limit],
    );
    return rows;
  }
}
