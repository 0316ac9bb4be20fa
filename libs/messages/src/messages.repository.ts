import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Message } from '@parley/contract';
import { queryModified, queryRows } from '@parley/database';
import { userView } from '@parley/users';
import { types } from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import { SendPool } from './send-pool';

/** A message row as pg parses it (MESSAGE_COLUMNS). */
export interface MessageRow {
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
  author_deleted_at: Date | null;
}

/** A message's columns, of `messages msg` joined with its author `users u`: a MessageRow. */
export const MESSAGE_COLUMNS = `
  msg.id, msg.room_id, msg.seq, msg.content, msg.client_msg_id, msg.created_at, msg.edited_at, msg.deleted_at,
  u.id AS author_id, u.username AS author_username, u.display_name AS author_display_name,
  u.created_at AS author_created_at, u.deleted_at AS author_deleted_at`;

const MESSAGE_SELECT = `SELECT ${MESSAGE_COLUMNS} FROM messages msg JOIN users u ON u.id = msg.author_id`;

export function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    roomId: row.room_id,
    seq: row.seq,
    author: userView({
      id: row.author_id,
      username: row.author_username,
      displayName: row.author_display_name,
      createdAt: row.author_created_at,
      deletedAt: row.author_deleted_at,
    }),
    content: row.deleted_at ? '' : row.content,
    clientMsgId: row.client_msg_id,
    createdAt: row.created_at.toISOString(),
    editedAt: row.edited_at ? row.edited_at.toISOString() : null,
    deletedAt: row.deleted_at ? row.deleted_at.toISOString() : null,
  };
}

const parseTimestamptz = types.getTypeParser(types.builtins.TIMESTAMPTZ, 'text') as (text: string) => Date;

/**
 * PostgreSQL timestamp text to the ISO string `toISOString()` gives for pg's own parse of it (the same
 * parser, so the same value), converted once per distinct text: a small cache, emptied when full.
 */
export class TimestampTextToIso {
  private readonly cache = new Map<string, string>();

  constructor(private readonly capacity = 1024) {}

  readonly convert = (text: string): string => {
    let iso = this.cache.get(text);
    if (iso === undefined) {
      if (this.cache.size >= this.capacity) this.cache.clear();
      iso = parseTimestamptz(text).toISOString();
      this.cache.set(text, iso);
    }
    return iso;
  };
}

/** One message for the send statement: its shard's writer has numbered its room up to `base` under `epoch`. */
export interface WriteItem {
  roomId: string;
  authorId: string;
  content: string;
  clientMsgId: string | null;
  /** Seq of the room's newest stored message, as its writer knows it. */
  base: number;
  /** The room's writer shard, and the writer's fencing epoch for it. */
  shard: number;
  epoch: number;
}

/** What the send statement did with one item. */
export type WriteRow =
  /** `memberIds`: who was a member of the room at this commit (the notification recipients). */
  | { stored: { id: string; seq: number; createdAt: string; memberIds: string[] } }
  /** The shard's epoch is not the item's any more (another instance took the shard): nothing stored. */
  | 'fenced'
  | 'refused'
  /** The author is muted in the room (a mute in force by the database clock). */
  | 'muted'
  | 'duplicate';

interface SendRow {
  fenced: boolean;
  member: boolean;
  muted: boolean;
  duplicate: boolean;
  id: string | null;
  seq: string | number | null;
  created_at: string | null;
  /** On the first stored row of each room only (a big room's member list is not sent once per message). */
  member_ids: string[] | null;
}

/**
 * Stores a batch of messages, of any rooms this instance writes, in one statement (one round trip, one
 * commit), with per-item results in input order:
 * - `fenced`: each shard's row is share-locked only if its epoch is still the item's. A writer that another
 *   instance replaced (its lease taken, its epoch bumped) stores nothing: the bump waits for this lock, and
 *   in READ COMMITTED the lock re-checks the epoch against the newest row version. One lock per shard and
 *   batch, whatever its rooms.
 * - `checked`: membership, a mute in force and idempotency, each one index probe (LIMIT 1 keeps the generic plan from hashing
 *   the whole table instead). Repeats of one clientMsgId within a batch never get here: the writer merges
 *   them.
 * - `accepted` items get base + their rank in the room: gapless, in arrival order. No room row is updated: the
 *   room's last seq is its newest message's.
 * - `seen`: each author's read marker moves to their newest new seq in the room (what you send you have read).
 * - the result has one row per item, and the room's member ids (at this commit: the notification
 *   recipients) on the first stored row of each room.
 * The foreign keys stay: each row checks its room and author.
 */
export const SEND_STATEMENT = `
  WITH input AS (
         SELECT i.ord, i.room_id, i.author_id, i.content, i.client_msg_id, i.base, i.shard, i.epoch, gen_random_uuid() AS id
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::bigint[], $6::int[], $7::bigint[])
              WITH ORDINALITY AS i(room_id, author_id, content, client_msg_id, base, shard, epoch, ord)),
       fenced AS MATERIALIZED (
         SELECT w.shard FROM writer_shards w JOIN (SELECT DISTINCT shard, epoch FROM input) e ON e.shard = w.shard
         WHERE w.epoch = e.epoch ORDER BY w.shard FOR SHARE OF w),
       checked AS (
         SELECT input.*, input.shard IN (SELECT shard FROM fenced) AS fenced,
                (SELECT true FROM memberships m WHERE m.room_id = input.room_id AND m.user_id = input.author_id LIMIT 1) IS NOT NULL AS member,
                (SELECT true FROM room_sanctions s WHERE s.room_id = input.room_id AND s.user_id = input.author_id AND s.kind = 'mute'
                   AND s.until > now() LIMIT 1) IS NOT NULL AS muted,
                input.client_msg_id IS NOT NULL AND (SELECT true FROM messages x
                  WHERE x.room_id = input.room_id AND x.author_id = input.author_id AND x.client_msg_id = input.client_msg_id LIMIT 1) IS NOT NULL AS duplicate
         FROM input),
       accepted AS (
         SELECT checked.*, base + row_number() OVER (PARTITION BY room_id ORDER BY ord) AS seq
         FROM checked WHERE fenced AND member AND NOT muted AND NOT duplicate),
       stored AS (
         INSERT INTO messages (id, room_id, seq, author_id, content, client_msg_id)
         SELECT id, room_id, seq, author_id, content, client_msg_id FROM accepted),
       seen AS (
         UPDATE memberships m SET last_read_seq = newest.seq
         FROM (SELECT room_id, author_id, max(seq) AS seq FROM accepted GROUP BY room_id, author_id) newest
         WHERE m.room_id = newest.room_id AND m.user_id = newest.author_id AND m.last_read_seq < newest.seq)
  SELECT c.fenced, c.member, c.muted, c.duplicate, a.id, a.seq, CASE WHEN a.seq IS NOT NULL THEN now() END AS created_at,
         CASE WHEN a.seq = a.base + 1 THEN array(SELECT user_id FROM memberships WHERE room_id = a.room_id) END AS member_ids
  FROM checked c LEFT JOIN accepted a ON a.ord = c.ord
  ORDER BY c.ord`;

export interface PageQuery {
  before?: number;
  after?: number;
  limit: number;
}

/** Persistence of messages; private to the messages module. */
@Injectable()
export class MessagesRepository {
  private readonly sendTimestamps = new TimestampTextToIso();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly sendPool: SendPool,
  ) {}

  /** Runs the send statement (SEND_STATEMENT) for a batch; one row per item, in input order. Throws when it fails. */
  async insertBatch(items: readonly WriteItem[]): Promise<WriteRow[]> {
    const rows = await this.sendPool.run<SendRow>('parley_send', SEND_STATEMENT, [
      items.map((item) => item.roomId),
      items.map((item) => item.authorId),
      items.map((item) => item.content),
      items.map((item) => item.clientMsgId),
      items.map((item) => item.base),
      items.map((item) => item.shard),
      items.map((item) => item.epoch),
    ]);
    if (rows.length !== items.length) throw new Error(`send statement returned ${rows.length} rows for ${items.length} items`);
    const membersByRoom = new Map<string, string[]>();
    rows.forEach((row, i) => {
      if (row.member_ids) membersByRoom.set((items[i] as WriteItem).roomId, row.member_ids);
    });
    return rows.map((row, i): WriteRow => {
      if (row.id !== null && row.seq !== null && row.created_at !== null) {
        const memberIds = membersByRoom.get((items[i] as WriteItem).roomId) ?? [];
        return { stored: { id: row.id, seq: Number(row.seq), createdAt: this.sendTimestamps.convert(row.created_at), memberIds } };
      }
      if (!row.fenced) return 'fenced';
      if (!row.member) return 'refused';
      if (row.duplicate) return 'duplicate';
      return row.muted ? 'muted' : 'refused';
    });
  }

  /**
   * Makes this instance the shard's writer in PostgreSQL: bumps the shard's fencing epoch, waiting for any
   * batch of the previous writer still holding the shard's share lock. Once it returns, no earlier writer can
   * store in the shard's rooms any more, so their newest seqs (read afterwards) stay put.
   */
  async takeShard(shard: number): Promise<number> {
    const rows = await queryRows<{ epoch: string | number }>(
      this.db,
      `INSERT INTO writer_shards (shard, epoch) VALUES ($1, 1)
       ON CONFLICT (shard) DO UPDATE SET epoch = writer_shards.epoch + 1 RETURNING epoch`,
      [shard],
    );
    return Number(rows[0]?.epoch);
  }

  /** The newest stored seq of each room (after a batch whose outcome is unknown, e.g. a lost connection). */
  async lastSeqs(roomIds: readonly string[]): Promise<Map<string, number>> {
    const rows = await queryRows<{ room_id: string; seq: string | number }>(
      this.db,
      `SELECT r.id AS room_id, coalesce((SELECT max(seq) FROM messages m WHERE m.room_id = r.id), 0) AS seq
       FROM unnest($1::uuid[]) AS r(id)`,
      [roomIds],
    );
    return new Map(rows.map((row) => [row.room_id, Number(row.seq)]));
  }

  async findByClientMsgId(roomId: string, authorId: string, clientMsgId: string): Promise<Message | null> {
    const rows = await queryRows<MessageRow>(this.db, `${MESSAGE_SELECT} WHERE msg.room_id = $1 AND msg.author_id = $2 AND msg.client_msg_id = $3`, [
      roomId,
      authorId,
      clientMsgId,
    ]);
    return rows[0] ? toMessage(rows[0]) : null;
  }

  async findById(messageId: string): Promise<Message | null> {
    const rows = await queryRows<MessageRow>(this.db, `${MESSAGE_SELECT} WHERE msg.id = $1`, [messageId]);
    return rows[0] ? toMessage(rows[0]) : null;
  }

  /**
   * One page by seq, always returned oldest first. `after` pages forward from a seq, otherwise the page
   * ends just before `before` (or at the newest message). One extra row tells whether there is more.
   */
  async findPage(roomId: string, query: PageQuery): Promise<{ messages: Message[]; hasMore: boolean }> {
    const forward = query.after !== undefined;
    const rows = await queryRows<MessageRow>(
      this.db,
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

  /**
   * The page around `seq`: up to `limit` messages before it (newest first) and up to `limit` from it on
   * (oldest first), one more each way to tell whether there are more; the caller cuts the page.
   */
  async findAround(roomId: string, seq: number, limit: number): Promise<{ older: Message[]; newer: Message[] }> {
    const rows = await queryRows<MessageRow>(
      this.db,
      `(${MESSAGE_SELECT} WHERE msg.room_id = $1 AND msg.seq < $2 ORDER BY msg.seq DESC LIMIT $3)
       UNION ALL
       (${MESSAGE_SELECT} WHERE msg.room_id = $1 AND msg.seq >= $2 ORDER BY msg.seq ASC LIMIT $3)`,
      [roomId, seq, limit + 1],
    );
    // UNION ALL promises no order between or within its parts: sorted here.
    const messages = rows.map(toMessage).sort((a, b) => a.seq - b.seq);
    return { older: messages.filter((message) => message.seq < seq).reverse(), newer: messages.filter((message) => message.seq >= seq) };
  }

  async updateContent(messageId: string, content: string): Promise<Message | null> {
    const { rows } = await queryModified<{ id: string }>(
      this.db,
      `UPDATE messages SET content = $2, edited_at = now() WHERE id = $1 AND deleted_at IS NULL RETURNING id`,
      [messageId, content],
    );
    return rows.length > 0 ? this.findById(messageId) : null;
  }

  /** Runs `work` in one transaction (a moderator's deletion and its audit entry commit together). */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  /** Soft delete: the row keeps its id and seq so histories stay gapless. Idempotent. */
  async softDelete(messageId: string, manager: EntityManager = this.db.manager): Promise<boolean> {
    const { rows } = await queryModified<{ id: string }>(
      manager,
      `UPDATE messages SET deleted_at = now(), content = '' WHERE id = $1 AND deleted_at IS NULL RETURNING id`,
      [messageId],
    );
    return rows.length > 0;
  }
}
