import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Message } from '@parley/contract';
import { Pool, types, type CustomTypesConfig, type PoolConfig } from 'pg';
import { DataSource } from 'typeorm';

/** A message row; its timestamps are `Date`s as pg parses them, or text on the send pool (SEND_POOL_TYPES). */
interface MessageRow<Time = Date> {
  id: string;
  room_id: string;
  seq: number;
  content: string;
  client_msg_id: string | null;
  created_at: Time;
  edited_at: Time | null;
  deleted_at: Time | null;
  author_id: string;
  author_username: string;
  author_display_name: string;
  author_created_at: Time;
}

const MESSAGE_SELECT = `
  SELECT msg.id, msg.room_id, msg.seq, msg.content, msg.client_msg_id, msg.created_at, msg.edited_at, msg.deleted_at,
         u.id AS author_id, u.username AS author_username, u.display_name AS author_display_name,
         u.created_at AS author_created_at
  FROM messages msg JOIN users u ON u.id = msg.author_id`;

const dateToIso = (value: Date): string => value.toISOString();

/** `iso` turns the row's timestamps, whatever their form, into the contract's ISO strings. */
function buildMessage<Time>(row: MessageRow<Time>, iso: (value: Time) => string): Message {
  return {
    id: row.id,
    roomId: row.room_id,
    seq: row.seq,
    author: {
      id: row.author_id,
      username: row.author_username,
      displayName: row.author_display_name,
      createdAt: iso(row.author_created_at),
    },
    content: row.deleted_at ? '' : row.content,
    clientMsgId: row.client_msg_id,
    createdAt: iso(row.created_at),
    editedAt: row.edited_at ? iso(row.edited_at) : null,
    deletedAt: row.deleted_at ? iso(row.deleted_at) : null,
  };
}

const toMessage = (row: MessageRow): Message => buildMessage(row, dateToIso);

const TIMESTAMPTZ_OID = 1184;
type TextParser = (value: string) => unknown;
const pgTypeParser = types.getTypeParser as unknown as (oid: number, format: 'text' | 'binary') => TextParser;
const keepText = (text: string): string => text;
const parseTimestamptz = pgTypeParser(TIMESTAMPTZ_OID, 'text') as (text: string) => Date;

/**
 * The send pool's rows keep `timestamptz` as PostgreSQL's text: parsing every row's timestamps into `Date`s
 * and formatting them back took 3 % of an instance's busy time in the closed loop, and the values repeat (all
 * rows of a batch share their commit's created_at; a sender's author row comes back with every message).
 */
export function sendPoolTypeParser(oid: number, format: 'text' | 'binary' = 'text'): TextParser {
  return oid === TIMESTAMPTZ_OID ? keepText : pgTypeParser(oid, format);
}

const SEND_POOL_TYPES: CustomTypesConfig = { getTypeParser: sendPoolTypeParser };

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

const UNIQUE_VIOLATION = '23505';

/**
 * SQLSTATE classes after which a failed batch is retried item by item: data exceptions (22), integrity
 * violations (23: a concurrent duplicate clientMsgId, an author deleted meanwhile) and transaction rollbacks
 * (40: deadlock, serialization). Each item then gets its own result or error. Anything else (a lost
 * connection, the server shutting down) would fail the items the same way, so it fails the batch at once.
 */
const RETRY_PER_ITEM_CLASSES = new Set(['22', '23', '40']);

/** One message to store, as `insertWithNextSeq` takes it. */
export interface NewMessage {
  roomId: string;
  authorId: string;
  content: string;
  clientMsgId: string | null;
}

export type InsertResult = StoredMessage | 'duplicate' | 'refused';

interface BatchRow extends Partial<MessageRow<string>> {
  ord: number;
  member: boolean;
  duplicate: boolean;
  member_ids: string[] | null;
}

/**
 * Connections of the send pool: one per batch in flight (SEND_BATCHING.maxConcurrentBatches). One: sends
 * queue behind the batch being written and go together in the next, so batches are bigger and the database
 * pays fewer statements and commits per message (with two, measured: 2.2 sends per batch instead of 3.2 at
 * 750 msg/s, and a quarter more PostgreSQL CPU, for no better latency). It also keeps an instance's sends
 * in a room in arrival order: with two batches in flight, a later batch could lock the room first.
 */
export const SEND_POOL_SIZE = 1;

/**
 * Session settings of the send pool, which runs only INSERT_BATCH. The statement is planned once per
 * connection (a generic plan), often while tables are still small (a fresh deployment, right after boot),
 * and that plan is kept as they grow. A batch touches a few rows per item, so the only good plan probes
 * indexes per item: a scan, or a hash join with a table, would read a whole table on every batch. (Merge
 * joins stay: the planner uses them between the statement's own CTEs.)
 */
export const SEND_SESSION_SETTINGS: Readonly<Record<string, string>> = {
  plan_cache_mode: 'force_generic_plan',
  enable_seqscan: 'off',
  enable_hashjoin: 'off',
};

/**
 * Stores a batch of messages (any rooms) in one statement, with the per-item semantics of insertWithNextSeq:
 * - `checked`: membership and idempotency against the statement's snapshot; of repeats of one clientMsgId
 *   within the batch only the first is stored, later ones are duplicates like a retry of a stored one;
 * - `next`: each room's last_seq moves by its number of accepted items, RETURNING the seq before them, and
 *   the items get base + their rank in arrival order (`ord`): gapless, and in queue order within a room;
 * - `seen`: each author's read marker moves to their newest new seq in the room;
 * - the result has one row per input item, in input order, with the stored message (when stored) and the
 *   room's member ids on the first stored row of each room only (the rest share them: a big room's member
 *   list is not sent once per message).
 * An item whose room vanished before its lock (member in the snapshot, no `next` row) stores nothing and
 * comes back without a message: 'refused', as from insertWithNextSeq.
 *
 * The stored message is rebuilt from `numbered` (its id drawn in `input`, its created_at the transaction's
 * now(), as the column defaults would give), not joined back from the INSERT's RETURNING: the generic plan,
 * estimating a few rows on each side, joined those two by a nested loop over a materialised CTE, n²
 * comparisons for a batch of n (three quarters of the statement's time at 500 items).
 */
export const INSERT_BATCH = `
  WITH input AS (
         SELECT i.ord, i.room_id, i.author_id, i.content, i.client_msg_id, gen_random_uuid() AS id
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) WITH ORDINALITY AS i(room_id, author_id, content, client_msg_id, ord)),
       checked AS (
         SELECT input.*,
                -- Index probes per item. LIMIT 1 keeps the (generic) plan from hashing the whole table instead,
                -- on every batch: EXISTS would let it, and did for messages, read all of them each time.
                (SELECT true FROM memberships m WHERE m.room_id = input.room_id AND m.user_id = input.author_id LIMIT 1) IS NOT NULL AS member,
                input.client_msg_id IS NOT NULL AND (
                  row_number() OVER (PARTITION BY input.room_id, input.author_id, input.client_msg_id ORDER BY input.ord) > 1
                  OR (SELECT true FROM messages x
                      WHERE x.room_id = input.room_id AND x.author_id = input.author_id AND x.client_msg_id = input.client_msg_id
                      LIMIT 1) IS NOT NULL
                ) AS duplicate
         FROM input),
       accepted AS (
         SELECT checked.*, row_number() OVER (PARTITION BY room_id ORDER BY ord) AS rank
         FROM checked WHERE member AND NOT duplicate),
       counts AS (SELECT room_id, count(*) AS n FROM accepted GROUP BY room_id),
       -- Room rows are locked in id order before any is updated: two batches (two instances) sharing rooms
       -- then wait for each other instead of deadlocking. Row locks last only as long as this statement.
       locked AS MATERIALIZED (
         SELECT r.id FROM rooms r WHERE r.id IN (SELECT room_id FROM counts) ORDER BY r.id FOR NO KEY UPDATE),
       next AS (
         UPDATE rooms r SET last_seq = r.last_seq + counts.n FROM counts JOIN locked ON locked.id = counts.room_id
         WHERE r.id = counts.room_id
         RETURNING r.id AS room_id, r.last_seq - counts.n AS base),
       numbered AS (
         SELECT a.ord, a.id, a.room_id, a.author_id, a.content, a.client_msg_id, next.base + a.rank AS seq, a.rank
         FROM accepted a JOIN next ON next.room_id = a.room_id),
       msg AS (
         INSERT INTO messages (id, room_id, seq, author_id, content, client_msg_id)
         SELECT id, room_id, seq, author_id, content, client_msg_id FROM numbered),
       -- What you send you have read: the author's own messages never count as unread.
       seen AS (
         UPDATE memberships m SET last_read_seq = newest.seq
         FROM (SELECT room_id, author_id, max(seq) AS seq FROM numbered GROUP BY room_id, author_id) newest
         WHERE m.room_id = newest.room_id AND m.user_id = newest.author_id AND m.last_read_seq < newest.seq)
  SELECT c.ord, c.member, c.duplicate,
         n.id, n.room_id, n.seq, n.content, n.client_msg_id, CASE WHEN n.seq IS NOT NULL THEN now() END AS created_at,
         u.id AS author_id, u.username AS author_username, u.display_name AS author_display_name, u.created_at AS author_created_at,
         CASE WHEN n.rank = 1 THEN array(SELECT user_id FROM memberships WHERE room_id = n.room_id) END AS member_ids
  FROM checked c
  LEFT JOIN numbered n ON n.ord = c.ord
  -- A probe per row, like the checks above (a plain join may be planned as a merge over the whole index).
  LEFT JOIN LATERAL (SELECT * FROM users WHERE users.id = n.author_id LIMIT 1) u ON true
  ORDER BY c.ord`;

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
export class MessagesRepository implements OnApplicationShutdown {
  private pool?: Pool;
  private readonly sendTimestamps = new TimestampTextToIso();

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * The send statement's own small pool (same server and credentials), whose sessions always use a generic
   * plan made of index probes (SEND_SESSION_SETTINGS). Planning the batch statement's CTEs costs PostgreSQL
   * more CPU than running them, and on the shared pool it keeps choosing custom plans (a plan per call);
   * forcing generic plans there would hurt the history queries, whose best plan depends on their parameters.
   */
  private sendPool(): Pool {
    if (!this.pool) {
      const shared = (this.db.driver as unknown as { master: { options: PoolConfig } }).master;
      this.pool = new Pool({
        ...shared.options,
        max: SEND_POOL_SIZE,
        application_name: 'parley-send',
        options: sessionOptions(SEND_SESSION_SETTINGS),
        types: SEND_POOL_TYPES,
      });
      // An idle connection's error (server restart) must not crash the process; the next query reconnects.
      this.pool.on('error', () => undefined);
    }
    return this.pool;
  }

  /** After the gateway drained accepted sends (beforeApplicationShutdown), nothing uses the send pool. */
  async onApplicationShutdown(): Promise<void> {
    await this.pool?.end();
  }

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

  /**
   * Stores many messages, in any rooms, with the semantics of insertWithNextSeq for each (see INSERT_BATCH),
   * in one statement (one round trip, one commit): one result per item, in input order. Items of one room
   * get consecutive seqs in input order. When the batch fails in a way a single item could cause (a
   * concurrent duplicate, a deadlock), nothing of it is stored and every item is stored on its own, in
   * order, so each gets its own result or error.
   */
  async insertBatch(items: readonly NewMessage[]): Promise<Array<PromiseSettledResult<InsertResult>>> {
    try {
      const results = await this.insertBatchOnce(items);
      return results.map((value) => ({ status: 'fulfilled', value }));
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code !== 'string' || !RETRY_PER_ITEM_CLASSES.has(code.slice(0, 2))) throw error;
      return this.insertEach(items);
    }
  }

  /** One after the other, so that items of a room keep their order. */
  private async insertEach(items: readonly NewMessage[]): Promise<Array<PromiseSettledResult<InsertResult>>> {
    const results: Array<PromiseSettledResult<InsertResult>> = [];
    for (const item of items) {
      try {
        results.push({ status: 'fulfilled', value: await this.insertWithNextSeq(item.roomId, item.authorId, item.content, item.clientMsgId) });
      } catch (error) {
        results.push({ status: 'rejected', reason: error });
      }
    }
    return results;
  }

  private async insertBatchOnce(items: readonly NewMessage[]): Promise<InsertResult[]> {
    const params = [
      items.map((item) => item.roomId),
      items.map((item) => item.authorId),
      items.map((item) => item.content),
      items.map((item) => item.clientMsgId),
    ];
    // Sessions of the send pool always use a generic plan (planned once per connection, see sendPool).
    const rows = (await this.sendPool().query<BatchRow>({ name: 'parley_insert_batch', text: INSERT_BATCH, values: params })).rows;
    if (rows.length !== items.length) throw new Error(`batch insert returned ${rows.length} rows for ${items.length} items`);
    const membersByRoom = new Map<string, string[]>();
    for (const row of rows) if (row.member_ids && row.room_id) membersByRoom.set(row.room_id, row.member_ids);
    return rows.map((row): InsertResult => {
      if (row.id !== null && row.id !== undefined) {
        // A new message is neither edited nor deleted: the row has no such columns (buildMessage reads them as null).
        const message = buildMessage(row as BatchRow & MessageRow<string>, this.sendTimestamps.convert);
        return { message, memberIds: membersByRoom.get(message.roomId) ?? [] };
      }
      if (row.member && row.duplicate) return 'duplicate';
      // Not a member (or no such room), or the room was deleted before its row was locked.
      return 'refused';
    });
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

/** libpq `options`: settings applied to every session the pool opens. */
function sessionOptions(settings: Readonly<Record<string, string>>): string {
  return Object.entries(settings)
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(' ');
}
