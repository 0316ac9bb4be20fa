import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Message, MessageAttachment, MessageType, MessageVersion, Pin, Reaction, ReplyRef, SystemEvent } from '@parley/contract';
import { queryRows } from '@parley/database';
import { userFromJson, userRowJson, userView, type UserJsonRow } from '@parley/users';
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
  changed_version: number;
  type: MessageType;
  event: SystemEvent | null;
  reply_to: ReplyRef | null;
  reply_count: number;
  attachments: MessageAttachment[] | null;
  author_id: string;
  author_username: string;
  author_display_name: string;
  author_created_at: Date;
  author_deleted_at: Date | null;
}

/** A message's columns, of `messages msg` joined with its author `users u`: a MessageRow. */
export const MESSAGE_COLUMNS = `
  msg.id, msg.room_id, msg.seq, msg.content, msg.client_msg_id, msg.created_at, msg.edited_at, msg.deleted_at, msg.changed_version,
  msg.type, msg.event, msg.reply_to, msg.reply_count, msg.attachments,
  u.id AS author_id, u.username AS author_username, u.display_name AS author_display_name,
  u.created_at AS author_created_at, u.deleted_at AS author_deleted_at`;

const MESSAGE_SELECT = `SELECT ${MESSAGE_COLUMNS} FROM messages msg JOIN users u ON u.id = msg.author_id`;

export function toMessage(row: MessageRow): Message {
  const message: Message = {
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
    // A system message's clientMsgId is the server's own idempotency key, not a client's.
    clientMsgId: row.type === 'system' ? null : row.client_msg_id,
    createdAt: row.created_at.toISOString(),
    editedAt: row.edited_at ? row.edited_at.toISOString() : null,
    deletedAt: row.deleted_at ? row.deleted_at.toISOString() : null,
    type: row.type,
  };
  if (row.event) message.event = row.event;
  if (row.reply_to) message.replyTo = row.reply_to;
  if (row.reply_count > 0) message.replyCount = row.reply_count;
  // A deleted message's files are gone with its text (and removed after the retention).
  if (row.attachments && !row.deleted_at) message.attachments = row.attachments;
  return message;
}

/** How many characters (code points) of the quoted message a reply's snapshot keeps. */
export const REPLY_PREVIEW_LENGTH = 200;

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

/**
 * CTEs taking the room's next change version for the message selected by CTE `target` (columns id, room_id):
 * `bumped` (change_version). The room row's lock orders the room's changes, so versions commit in order.
 */
const BUMP_CHANGE_VERSION = (target: string): string =>
  `bumped AS (UPDATE rooms r SET change_version = r.change_version + 1 FROM ${target} WHERE r.id = ${target}.room_id RETURNING r.change_version)`;

/** What pinning did: pinned now, pinned before, or refused (no such message in the room, deleted, room full). */
export type PinOutcome = 'pinned' | 'already' | 'missing' | 'deleted' | 'full';

/** What a reaction did: the caller's reaction is now `on` (`changed`: it was not before), or it was refused. */
export type ReactOutcome = { on: boolean; changed: boolean } | 'missing' | 'deleted' | 'full';

/** One message for the send statement: its shard's writer has numbered its room up to `base` under `epoch`. */
export interface WriteItem {
  roomId: string;
  authorId: string;
  content: string;
  clientMsgId: string | null;
  /** Absent: a text message. `system`: written by the server (no membership, mute or rate check). */
  type?: MessageType;
  event?: SystemEvent;
  /** The id of the message of the same room this one replies to. */
  replyTo?: string;
  /** The author's unsent uploads to this room, checked and claimed by the statement (type `image` or `file`). */
  attachments?: MessageAttachment[];
  /** Seq of the room's newest stored message, as its writer knows it. */
  base: number;
  /** The room's writer shard, and the writer's fencing epoch for it. */
  shard: number;
  epoch: number;
}

/** A stored message as the send statement returns it. */
export interface StoredRow {
  id: string;
  seq: number;
  createdAt: string;
  /** Who was a member of the room at this commit and did not mute its notifications (the recipients). */
  memberIds: string[];
  /** A reply: the snapshot of the quoted message, and its thread's reply count with this reply. */
  replyTo?: ReplyRef;
  threadCount?: number;
}

/** What the send statement did with one item. */
export type WriteRow =
  | { stored: StoredRow }
  /** The shard's epoch is not the item's any more (another instance took the shard): nothing stored. */
  | 'fenced'
  | 'refused'
  /** The author is muted in the room (a mute in force by the database clock). */
  | 'muted'
  | 'duplicate'
  /** The message replied to is not a live message of the room (unknown, another room's, or deleted). */
  | 'unquotable'
  /** An attachment is not the author's unsent upload to this room any more (sent meanwhile, or removed). */
  | 'unattachable';

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
  /** RICH_SEND_STATEMENT only. */
  quotable?: boolean;
  attachable?: boolean;
  reply_to?: ReplyRef | null;
  thread_count?: string | number | null;
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
         CASE WHEN a.seq = a.base + 1 THEN array(SELECT user_id FROM memberships WHERE room_id = a.room_id AND NOT notifications_muted) END AS member_ids
  FROM checked c LEFT JOIN accepted a ON a.ord = c.ord
  ORDER BY c.ord`;

/**
 * SEND_STATEMENT for a batch with a system message, a reply or attachments in it (plain text batches keep the
 * statement above, so they pay nothing for these). The same fencing, numbering, insert and read markers, plus:
 * - `type`/`event` per item; a `system` item skips the membership, mute and idempotency-by-author checks' effect
 *   (the server writes it: its author, the actor, may have just left) but not the fencing.
 * - `quoted`: each reply's quoted message, live and in the same room, else the item is not stored
 *   (`quotable` false). The snapshot (`reply_to`) is taken here, in the statement that stores the reply.
 * - `roots`: the threads' roots (flat threads: a reply to a reply counts on its root), locked before the room
 *   rows, as edits and reactions lock a message before its room; `bumped` takes one change version per root
 *   from its room (the room row's lock orders the room's changes) and `counted` moves each root's reply_count
 *   and stamps it, so a client re-syncing from an older change version gets the new count.
 * - `files`/`claimed`: each item's attachments (a JSON snapshot, stored in `messages.attachments`), their rows
 *   locked (read by primary key); an item is stored only if every one is the author's upload to its room, unsent,
 *   and not claimed by an earlier item of the batch (`attachable`); `linked` makes them the message's, in order.
 * - `seen` waits for `bumped` (an InitPlan runs before the first membership row is locked): room row before
 *   membership rows, the order a member leaving takes them in, so the two never deadlock.
 */
export const RICH_SEND_STATEMENT = `
  WITH input AS (
         SELECT i.ord, i.room_id, i.author_id, i.content, i.client_msg_id, i.base, i.shard, i.epoch, i.type, i.event::jsonb AS event, i.reply_to_id,
                i.attachments::jsonb AS attachments, gen_random_uuid() AS id
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::bigint[], $6::int[], $7::bigint[], $8::text[], $9::text[], $10::uuid[], $11::text[])
              WITH ORDINALITY AS i(room_id, author_id, content, client_msg_id, base, shard, epoch, type, event, reply_to_id, attachments, ord)),
       files AS MATERIALIZED (
         SELECT input.ord, (x.value->>'id')::uuid AS id, x.position - 1 AS position
         FROM input, jsonb_array_elements(input.attachments) WITH ORDINALITY AS x(value, position) WHERE input.attachments IS NOT NULL),
       claimed AS MATERIALIZED (
         SELECT f.id, f.room_id, f.uploader_id, f.message_id IS NULL AND f.stored_at IS NOT NULL AS unsent
         FROM attachments f WHERE f.id = ANY (ARRAY(SELECT id FROM files)) ORDER BY f.id FOR UPDATE OF f),
       fenced AS MATERIALIZED (
         SELECT w.shard FROM writer_shards w JOIN (SELECT DISTINCT shard, epoch FROM input) e ON e.shard = w.shard
         WHERE w.epoch = e.epoch ORDER BY w.shard FOR SHARE OF w),
       quoted AS MATERIALIZED (
         SELECT q.id, q.room_id, q.seq, q.author_id, left(q.content, ${REPLY_PREVIEW_LENGTH}) AS preview, coalesce(q.thread_id, q.id) AS root_id,
                CASE WHEN u.deleted_at IS NULL THEN u.display_name ELSE 'Deleted user' END AS author_name
         FROM messages q JOIN users u ON u.id = q.author_id
         WHERE q.id IN (SELECT reply_to_id FROM input WHERE reply_to_id IS NOT NULL) AND q.deleted_at IS NULL),
       roots AS MATERIALIZED (
         SELECT m.id FROM messages m WHERE m.id IN (SELECT root_id FROM quoted) ORDER BY m.id FOR NO KEY UPDATE OF m),
       checked AS (
         SELECT input.*, input.shard IN (SELECT shard FROM fenced) AS fenced,
                input.type = 'system'
                  OR (SELECT true FROM memberships m WHERE m.room_id = input.room_id AND m.user_id = input.author_id LIMIT 1) IS NOT NULL AS member,
                input.type <> 'system' AND (SELECT true FROM room_sanctions s WHERE s.room_id = input.room_id AND s.user_id = input.author_id AND s.kind = 'mute'
                   AND s.until > now() LIMIT 1) IS NOT NULL AS muted,
                input.client_msg_id IS NOT NULL AND (SELECT true FROM messages x
                  WHERE x.room_id = input.room_id AND x.author_id = input.author_id AND x.client_msg_id = input.client_msg_id LIMIT 1) IS NOT NULL AS duplicate,
                input.reply_to_id IS NULL OR q.id IS NOT NULL AS quotable,
                input.attachments IS NULL OR (SELECT count(DISTINCT c.id) FROM files JOIN claimed c ON c.id = files.id
                  WHERE files.ord = input.ord AND c.unsent AND c.room_id = input.room_id AND c.uploader_id = input.author_id
                    AND NOT EXISTS (SELECT 1 FROM files earlier WHERE earlier.id = files.id AND earlier.ord < files.ord)) = jsonb_array_length(input.attachments) AS attachable,
                q.id AS quoted_id, q.root_id,
                CASE WHEN q.id IS NOT NULL THEN jsonb_build_object('id', q.id, 'seq', q.seq, 'authorId', q.author_id, 'authorName', q.author_name,
                  'preview', q.preview, 'rootId', q.root_id) END AS reply_to
         FROM input LEFT JOIN quoted q ON q.id = input.reply_to_id AND q.room_id = input.room_id),
       accepted AS (
         SELECT checked.*, base + row_number() OVER (PARTITION BY room_id ORDER BY ord) AS seq
         FROM checked WHERE fenced AND member AND NOT muted AND NOT duplicate AND quotable AND attachable),
       stored AS (
         INSERT INTO messages (id, room_id, seq, author_id, content, client_msg_id, type, event, reply_to_id, reply_to, thread_id, attachments)
         SELECT id, room_id, seq, author_id, content, client_msg_id, type, event, quoted_id, reply_to, root_id, attachments FROM accepted),
       linked AS (
         UPDATE attachments f SET message_id = a.id, message_position = files.position FROM accepted a JOIN files ON files.ord = a.ord
         WHERE f.id = files.id),
       threads AS (
         SELECT a.room_id, a.root_id, count(*) AS n,
                count(*) OVER (PARTITION BY a.room_id) AS roots_in_room,
                row_number() OVER (PARTITION BY a.room_id ORDER BY a.root_id) AS rank
         FROM accepted a JOIN roots ON roots.id = a.root_id GROUP BY a.room_id, a.root_id),
       bumped AS (
         UPDATE rooms r SET change_version = r.change_version + t.roots
         FROM (SELECT room_id, max(roots_in_room) AS roots FROM threads GROUP BY room_id) t
         WHERE r.id = t.room_id RETURNING r.id, r.change_version),
       counted AS (
         UPDATE messages m SET reply_count = m.reply_count + t.n, changed_version = b.change_version - t.roots_in_room + t.rank
         FROM threads t JOIN bumped b ON b.id = t.room_id
         WHERE m.id = t.root_id RETURNING m.id, m.reply_count),
       seen AS (
         UPDATE memberships m SET last_read_seq = newest.seq
         FROM (SELECT room_id, author_id, max(seq) AS seq FROM accepted GROUP BY room_id, author_id) newest
         WHERE m.room_id = newest.room_id AND m.user_id = newest.author_id AND m.last_read_seq < newest.seq
           AND (SELECT count(*) FROM bumped) >= 0)
  SELECT c.fenced, c.member, c.muted, c.duplicate, c.quotable, c.attachable, a.id, a.seq, CASE WHEN a.seq IS NOT NULL THEN now() END AS created_at,
         CASE WHEN a.seq = a.base + 1 THEN array(SELECT user_id FROM memberships WHERE room_id = a.room_id AND NOT notifications_muted) END AS member_ids,
         a.reply_to,
         CASE WHEN a.root_id IS NOT NULL THEN
           (SELECT k.reply_count FROM counted k WHERE k.id = a.root_id) - (SELECT t.n FROM threads t WHERE t.root_id = a.root_id)
           + row_number() OVER (PARTITION BY a.root_id ORDER BY a.ord) END AS thread_count
  FROM checked c LEFT JOIN accepted a ON a.ord = c.ord
  ORDER BY c.ord`;

/** Whether an item needs RICH_SEND_STATEMENT (plain text items do not). */
export const isRichItem = (item: WriteItem): boolean => item.type !== undefined || item.replyTo !== undefined || item.attachments !== undefined;

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
    const values: unknown[] = [
      items.map((item) => item.roomId),
      items.map((item) => item.authorId),
      items.map((item) => item.content),
      items.map((item) => item.clientMsgId),
      items.map((item) => item.base),
      items.map((item) => item.shard),
      items.map((item) => item.epoch),
    ];
    const rich = items.some(isRichItem);
    if (rich) {
      values.push(
        items.map((item) => item.type ?? 'text'),
        items.map((item) => (item.event ? JSON.stringify(item.event) : null)),
        items.map((item) => item.replyTo ?? null),
        items.map((item) => (item.attachments ? JSON.stringify(item.attachments) : null)),
      );
    }
    const rows = await this.sendPool.run<SendRow>(rich ? 'parley_send_rich' : 'parley_send', rich ? RICH_SEND_STATEMENT : SEND_STATEMENT, values);
    if (rows.length !== items.length) throw new Error(`send statement returned ${rows.length} rows for ${items.length} items`);
    const membersByRoom = new Map<string, string[]>();
    rows.forEach((row, i) => {
      if (row.member_ids) membersByRoom.set((items[i] as WriteItem).roomId, row.member_ids);
    });
    return rows.map((row, i): WriteRow => {
      if (row.id !== null && row.seq !== null && row.created_at !== null) {
        const memberIds = membersByRoom.get((items[i] as WriteItem).roomId) ?? [];
        const stored: StoredRow = { id: row.id, seq: Number(row.seq), createdAt: this.sendTimestamps.convert(row.created_at), memberIds };
        if (row.reply_to) {
          stored.replyTo = row.reply_to;
          stored.threadCount = Number(row.thread_count);
        }
        return { stored };
      }
      if (!row.fenced) return 'fenced';
      if (!row.member) return 'refused';
      if (row.duplicate) return 'duplicate';
      if (row.quotable === false) return 'unquotable';
      if (row.attachable === false) return 'unattachable';
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
  /**
   * Moves message search's pending entries into its GIN index (migration 1764500000000; fastupdate). Left to
   * PostgreSQL, the insert that fills the pending list merges all of it inside its statement: a send batch
   * that takes 100–300 ms, during which no send of its writer commits. Merged here on another connection,
   * inserts go on meanwhile (an insert that finds a merge running leaves the list to it). Returns the pages
   * merged; 0 without the index.
   */
  async mergeSearchPendingList(): Promise<number> {
    const rows = await queryRows<{ pages: string | null }>(this.db, `SELECT gin_clean_pending_list(to_regclass('messages_search_idx')) AS pages`);
    return Number(rows[0]?.pages ?? 0);
  }

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
  findPage(roomId: string, query: PageQuery): Promise<{ messages: Message[]; hasMore: boolean }> {
    return this.pageWhere('msg.room_id = $1', roomId, query);
  }

  /** One page of the thread whose root is `rootId` (its replies, by seq), as findPage pages a room. */
  findThreadPage(rootId: string, query: PageQuery): Promise<{ messages: Message[]; hasMore: boolean }> {
    return this.pageWhere('msg.thread_id = $1', rootId, query);
  }

  private async pageWhere(scope: string, id: string, query: PageQuery): Promise<{ messages: Message[]; hasMore: boolean }> {
    const forward = query.after !== undefined;
    const rows = await queryRows<MessageRow>(
      this.db,
      `${MESSAGE_SELECT}
       WHERE ${scope} AND ($2::bigint IS NULL OR msg.seq > $2) AND ($3::bigint IS NULL OR msg.seq < $3)
       ORDER BY msg.seq ${forward ? 'ASC' : 'DESC'} LIMIT $4`,
      [id, query.after ?? null, query.before ?? null, query.limit + 1],
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

  /**
   * Replaces the text and keeps the one it replaced in the edit history (unless it is the same text), in one
   * statement. The row lock is taken before the old text is read, so of two concurrent edits the second keeps
   * the first one's text: the history is a chain with no version lost.
   */
  async updateContent(messageId: string, content: string): Promise<Message | null> {
    const rows = await queryRows<{ id: string }>(
      this.db,
      `WITH previous AS (SELECT id, room_id, content FROM messages WHERE id = $1 AND deleted_at IS NULL FOR UPDATE),
            ${BUMP_CHANGE_VERSION('previous')},
            updated AS (UPDATE messages m SET content = $2, edited_at = now(), changed_version = bumped.change_version
                        FROM previous, bumped WHERE m.id = previous.id
                        RETURNING m.id, previous.content AS previous_content),
            kept AS (INSERT INTO message_edits (message_id, content, replaced_at)
                     SELECT id, previous_content, now() FROM updated WHERE previous_content <> $2)
       SELECT id FROM updated`,
      [messageId, content],
    );
    return rows.length > 0 ? this.findById(messageId) : null;
  }

  /** The texts a message had before its edits, oldest first, each with when it was written and replaced. */
  async findVersions(messageId: string): Promise<MessageVersion[]> {
    const rows = await queryRows<{ content: string; written_at: Date; replaced_at: Date }>(
      this.db,
      `SELECT e.content, e.replaced_at,
              coalesce(lag(e.replaced_at) OVER (ORDER BY e.id), m.created_at) AS written_at
       FROM message_edits e JOIN messages m ON m.id = e.message_id
       WHERE e.message_id = $1
       ORDER BY e.id`,
      [messageId],
    );
    return rows.map((row) => ({ content: row.content, writtenAt: row.written_at.toISOString(), replacedAt: row.replaced_at.toISOString() }));
  }

  /**
   * Pins a live message of the room, unless the room has `limit` pins already. The room's pins are counted
   * under a lock on its row, so concurrent pins never pass the limit together.
   */
  pin(roomId: string, messageId: string, userId: string, limit: number): Promise<PinOutcome> {
    return this.db.transaction(async (manager) => {
      await queryRows(manager, `SELECT 1 FROM rooms WHERE id = $1 FOR NO KEY UPDATE`, [roomId]);
      const rows = await queryRows<{ live: boolean; pinned: boolean; pins: number }>(
        manager,
        `SELECT m.deleted_at IS NULL AS live,
                EXISTS (SELECT 1 FROM message_pins p WHERE p.message_id = m.id) AS pinned,
                (SELECT count(*) FROM message_pins p WHERE p.room_id = $1) AS pins
         FROM messages m WHERE m.id = $2 AND m.room_id = $1`,
        [roomId, messageId],
      );
      const state = rows[0];
      if (!state) return 'missing';
      if (!state.live) return 'deleted';
      if (state.pinned) return 'already';
      if (state.pins >= limit) return 'full';
      await queryRows(manager, `INSERT INTO message_pins (message_id, room_id, pinned_by) VALUES ($1, $2, $3)`, [messageId, roomId, userId]);
      return 'pinned';
    });
  }

  /** True when the message was pinned in the room. */
  async unpin(roomId: string, messageId: string): Promise<boolean> {
    const rows = await queryRows<{ message_id: string }>(
      this.db,
      `WITH removed AS (DELETE FROM message_pins WHERE room_id = $1 AND message_id = $2 RETURNING message_id) SELECT message_id FROM removed`,
      [roomId, messageId],
    );
    return rows.length > 0;
  }

  /** The room's pins, newest pin first (one pin, with `messageId`). */
  async findPins(roomId: string, messageId?: string): Promise<Pin[]> {
    const rows = await queryRows<MessageRow & { pinned_at: Date; pinned_by: UserJsonRow | null }>(
      this.db,
      `WITH pins AS (SELECT message_id, pinned_at, pinned_by FROM message_pins WHERE room_id = $1 AND ($2::uuid IS NULL OR message_id = $2))
       SELECT pinned.*, pins.pinned_at, ${userRowJson('pinner')} AS pinned_by
       FROM (${MESSAGE_SELECT} WHERE msg.id IN (SELECT message_id FROM pins)) pinned
       JOIN pins ON pins.message_id = pinned.id
       LEFT JOIN users pinner ON pinner.id = pins.pinned_by
       ORDER BY pins.pinned_at DESC, pinned.seq DESC`,
      [roomId, messageId ?? null],
    );
    return rows.map((row) => ({
      message: toMessage(row),
      pinnedBy: row.pinned_by ? userFromJson(row.pinned_by) : null,
      pinnedAt: row.pinned_at.toISOString(),
    }));
  }

  /**
   * Sets the user's `emoji` on a live message of the room on or off (`on` undefined: the opposite of now). A new
   * emoji is refused once the message has `maxDistinct` distinct ones. The message row is locked first, so
   * concurrent reactions to one message are counted one after the other.
   */
  react(roomId: string, messageId: string, userId: string, emoji: string, on: boolean | undefined, maxDistinct: number): Promise<ReactOutcome> {
    return this.db.transaction(async (manager) => {
      const [message] = await queryRows<{ live: boolean }>(
        manager,
        `SELECT deleted_at IS NULL AS live FROM messages WHERE id = $1 AND room_id = $2 FOR NO KEY UPDATE`,
        [messageId, roomId],
      );
      if (!message) return 'missing';
      if (!message.live) return 'deleted';
      const [state] = await queryRows<{ mine: boolean; used: boolean; distinct: number }>(
        manager,
        `SELECT EXISTS (SELECT 1 FROM message_reactions WHERE message_id = $1 AND emoji = $2 AND user_id = $3) AS mine,
                EXISTS (SELECT 1 FROM message_reactions WHERE message_id = $1 AND emoji = $2) AS used,
                (SELECT count(DISTINCT emoji) FROM message_reactions WHERE message_id = $1) AS distinct`,
        [messageId, emoji, userId],
      );
      const want = on ?? !state!.mine;
      if (want === state!.mine) return { on: want, changed: false };
      if (want) {
        if (!state!.used && state!.distinct >= maxDistinct) return 'full';
        await queryRows(manager, `INSERT INTO message_reactions (message_id, emoji, user_id) VALUES ($1, $2, $3)`, [messageId, emoji, userId]);
      } else {
        await queryRows(manager, `WITH gone AS (DELETE FROM message_reactions WHERE message_id = $1 AND emoji = $2 AND user_id = $3 RETURNING 1) SELECT 1 FROM gone`, [
          messageId,
          emoji,
          userId,
        ]);
      }
      await queryRows(
        manager,
        `WITH target AS (SELECT $1::uuid AS id, $2::uuid AS room_id), ${BUMP_CHANGE_VERSION('target')},
              stamped AS (UPDATE messages m SET changed_version = bumped.change_version FROM bumped WHERE m.id = $1 RETURNING m.id)
         SELECT id FROM stamped`,
        [messageId, roomId],
      );
      return { on: want, changed: true };
    });
  }

  /** Each message's reactions as `viewerId` sees them, emoji in the order they were first used. */
  async findReactions(messageIds: string[], viewerId: string): Promise<Map<string, Reaction[]>> {
    const byMessage = new Map<string, Reaction[]>();
    if (messageIds.length === 0) return byMessage;
    const rows = await queryRows<{ message_id: string; emoji: string; count: number; me: boolean }>(
      this.db,
      `SELECT message_id, emoji, count(*) AS count, bool_or(user_id = $2) AS me
       FROM message_reactions WHERE message_id = ANY($1::uuid[])
       GROUP BY message_id, emoji ORDER BY message_id, min(created_at), emoji`,
      [messageIds, viewerId],
    );
    for (const row of rows) {
      const list = byMessage.get(row.message_id) ?? [];
      list.push({ emoji: row.emoji, count: row.count, me: row.me });
      byMessage.set(row.message_id, list);
    }
    return byMessage;
  }

  /**
   * Messages of the room changed after `sinceVersion` (at or below `maxSeq`: later ones the caller reads as new
   * ones), in change order, at most `limit`; and the version to ask from next: the room's current one, or the
   * last returned message's when there are more. One statement, so the version and the rows are one snapshot.
   */
  async findChanges(roomId: string, sinceVersion: number, maxSeq: number, limit: number): Promise<{ messages: Message[]; changeVersion: number; hasMore: boolean }> {
    const rows = await queryRows<MessageRow & { room_version: number }>(
      this.db,
      `WITH room AS (SELECT change_version FROM rooms WHERE id = $1)
       SELECT changed.*, (SELECT change_version FROM room) AS room_version
       FROM (${MESSAGE_SELECT}
             WHERE msg.room_id = $1 AND msg.changed_version > $2 AND msg.seq <= $3
             ORDER BY msg.changed_version LIMIT $4 + 1) changed
       RIGHT JOIN room ON true
       ORDER BY changed.changed_version`,
      [roomId, sinceVersion, maxSeq, limit],
    );
    const found = rows.filter((row) => row.id !== null);
    const hasMore = found.length > limit;
    const page = found.slice(0, limit);
    const roomVersion = rows[0]?.room_version ?? 0;
    return { messages: page.map(toMessage), changeVersion: hasMore ? page[page.length - 1]!.changed_version : roomVersion, hasMore };
  }

  /** The room's change version now. */
  async findChangeVersion(roomId: string): Promise<number> {
    const rows = await queryRows<{ change_version: number }>(this.db, `SELECT change_version FROM rooms WHERE id = $1`, [roomId]);
    return rows[0]?.change_version ?? 0;
  }

  /** Runs `work` in one transaction (a moderator's deletion and its audit entry commit together). */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  /** Soft delete: the row keeps its id and seq so histories stay gapless. Idempotent. */
  async softDelete(messageId: string, manager: EntityManager = this.db.manager): Promise<boolean> {
    // The edit history goes with the text: nothing of a deleted message stays readable.
    const rows = await queryRows<{ id: string }>(
      manager,
      `WITH target AS (SELECT id, room_id FROM messages WHERE id = $1 AND deleted_at IS NULL FOR UPDATE),
            ${BUMP_CHANGE_VERSION('target')},
            deleted AS (UPDATE messages m SET deleted_at = now(), content = '', changed_version = bumped.change_version
                        FROM target, bumped WHERE m.id = target.id RETURNING m.id),
            history AS (DELETE FROM message_edits WHERE message_id IN (SELECT id FROM deleted)),
            unpinned AS (DELETE FROM message_pins WHERE message_id IN (SELECT id FROM deleted)),
            unreacted AS (DELETE FROM message_reactions WHERE message_id IN (SELECT id FROM deleted))
       SELECT id FROM deleted`,
      [messageId],
    );
    return rows.length > 0;
  }
}
