import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Message } from '@parley/contract';
import { DataSource } from 'typeorm';

interface MessageRow {
  id: string;
  room_id: string;
  seq: number;
  content: string;
  client_msg_id: string | null;
  created_at: Date;
  edited_at: Date | null;
  deleted_at: Date | null;
  author_id: string;
  author_username: string;
  author_display_name: string;
  author_created_at: Date;
}

const MESSAGE_SELECT = `
  SELECT msg.id, msg.room_id, msg.seq, msg.content, msg.client_msg_id, msg.created_at, msg.edited_at, msg.deleted_at,
         u.id AS author_id, u.username AS author_username, u.display_name AS author_display_name,
         u.created_at AS author_created_at
  FROM messages msg JOIN users u ON u.id = msg.author_id`;

function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    roomId: row.room_id,
    seq: row.seq,
    author: {
      id: row.author_id,
      username: row.author_username,
      displayName: row.author_display_name,
      createdAt: row.author_created_at.toISOString(),
    },
    content: row.deleted_at ? '' : row.content,
    clientMsgId: row.client_msg_id,
    createdAt: row.created_at.toISOString(),
    editedAt: row.edited_at?.toISOString() ?? null,
    deletedAt: row.deleted_at?.toISOString() ?? null,
  };
}

const UNIQUE_VIOLATION = '23505';

/** A stored message and who was a member of its room at that commit (the notification recipients). */
export interface StoredMessage {
  message: Message;
  memberIds: string[];
}

export interface PageQuery {
  before?: number;
  after?: number;
  limit: number;
}

/** Persistence of messages; private to the messages module. */
@Injectable()
export class MessagesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Allocates the room's next seq and stores the message in ONE statement, which PostgreSQL runs atomically:
   * no BEGIN/COMMIT round trips, and the room row is locked only for that statement. The UPDATE on the room
   * row serialises concurrent senders of a room. An idempotency conflict aborts the whole statement (the seq
   * increment included), so seqs stay gapless. The statement also checks membership, so the common case is
   * one round trip: 'refused' when the author is not a member (or the room is gone), 'duplicate' when
   * (room, author, clientMsgId) already exists.
   */
  async insertWithNextSeq(
    roomId: string,
    authorId: string,
    content: string,
    clientMsgId: string | null,
  ): Promise<StoredMessage | 'duplicate' | 'refused'> {
    let rows: Array<MessageRow & { member_ids: string[] }>;
    try {
      rows = await this.db.query<Array<MessageRow & { member_ids: string[] }>>(
        `WITH next AS (
                UPDATE rooms SET last_seq = last_seq + 1
                WHERE id = $1 AND EXISTS (SELECT 1 FROM memberships WHERE room_id = $1 AND user_id = $2)
                RETURNING last_seq),
              -- What you send you have read: the author's own messages never count as unread.
              seen AS (
                UPDATE memberships m SET last_read_seq = next.last_seq FROM next
                WHERE m.room_id = $1 AND m.user_id = $2 AND m.last_read_seq < next.last_seq),
              msg AS (
                INSERT INTO messages (room_id, seq, author_id, content, client_msg_id)
                SELECT $1, next.last_seq, $2, $3, $4 FROM next
                RETURNING *)
         ${MESSAGE_SELECT.replace('FROM messages msg', ', array(SELECT user_id FROM memberships WHERE room_id = $1) AS member_ids FROM msg')}`,
        [roomId, authorId, content, clientMsgId],
      );
    } catch (error) {
      const { code, constraint } = error as { code?: string; constraint?: string };
      if (code === UNIQUE_VIOLATION && constraint === 'messages_client_msg_id_uq') return 'duplicate';
      throw error;
    }
    // No row: the room was deleted between the access check and the insert.
    const row = rows[0];
    if (!row) return 'refused';
    // The members in the same snapshot as the insert: who may be notified, with no extra query.
    return { message: toMessage(row), memberIds: row.member_ids };
  }

  async findByClientMsgId(roomId: string, authorId: string, clientMsgId: string): Promise<Message | null> {
    const rows = await this.db.query<MessageRow[]>(`${MESSAGE_SELECT} WHERE msg.room_id = $1 AND msg.author_id = $2 AND msg.client_msg_id = $3`, [
      roomId,
      authorId,
      clientMsgId,
    ]);
    return rows[0] ? toMessage(rows[0]) : null;
  }

  async findById(messageId: string): Promise<Message | null> {
    const rows = await this.db.query<MessageRow[]>(`${MESSAGE_SELECT} WHERE msg.id = $1`, [messageId]);
    return rows[0] ? toMessage(rows[0]) : null;
  }

  /**
   * One page by seq, always returned oldest first. `after` pages forward from a seq, otherwise the page
   * ends just before `before` (or at the newest message). One extra row tells whether there is more.
   */
  async findPage(roomId: string, query: PageQuery): Promise<{ messages: Message[]; hasMore: boolean }> {
    const forward = query.after !== undefined;
    const rows = await this.db.query<MessageRow[]>(
      `${MESSAGE_SELECT}
       WHERE msg.room_id = $1 AND ($2::bigint IS NULL OR msg.seq > $2) AND ($3::bigint IS NULL OR msg.seq < $3)
       ORDER BY msg.seq ${forward ? 'ASC' : 'DESC'} LIMIT $4`,
      [roomId, query.after ?? null, query.before ?? null, query.limit + 1],
    );
    const hasMore = rows.length > query.limit;
    const page = rows.slice(0, query.limit).map(toMessage);
    if (!forward) page.reverse();
    return { messages: page, hasMore };
  }

  async updateContent(messageId: string, content: string): Promise<Message | null> {
    const [rows] = await this.db.query<[Array<{ id: string }>, number]>(
      `UPDATE messages SET content = $2, edited_at = now() WHERE id = $1 AND deleted_at IS NULL RETURNING id`,
      [messageId, content],
    );
    return rows.length > 0 ? this.findById(messageId) : null;
  }

  /** Soft delete: the row keeps its id and seq so histories stay gapless. Idempotent. */
  async softDelete(messageId: string): Promise<boolean> {
    const [rows] = await this.db.query<[Array<{ id: string }>, number]>(
      `UPDATE messages SET deleted_at = now(), content = '' WHERE id = $1 AND deleted_at IS NULL RETURNING id`,
      [messageId],
    );
    return rows.length > 0;
  }
}
