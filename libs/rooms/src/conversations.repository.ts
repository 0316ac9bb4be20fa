import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { MessagePreview, MessageType } from '@parley/contract';
import { queryModified, queryRows } from '@parley/database';
import { userView } from '@parley/users';
import { DataSource } from 'typeorm';
import { lastSeqOf, toRecord, type RoomRecord, type RoomRow } from './rooms.repository';

/** Characters of a message a conversation preview shows. */
export const PREVIEW_LENGTH = 100;

/** One conversation of a user, as stored and computed (contract §3a). */
export interface ConversationRecord {
  room: RoomRecord;
  lastMessage: MessagePreview | null;
  lastActivityAt: Date;
  /** The list's sort key: lastActivityAt in microseconds since the epoch (exact, unlike a JS Date). */
  activityKey: string;
  lastReadSeq: number;
  mentionCount: number;
  notificationsMuted: boolean;
  archived: boolean;
}

/** Where a page of the list starts: after this (activityKey, roomId), newest first. */
export interface ConversationPosition {
  activityKey: string;
  roomId: string;
}

interface ConversationRow extends RoomRow {
  notifications_muted: boolean;
  archived: boolean;
  activity_at: Date;
  activity_key: string;
  mention_count: number;
  msg_id: string | null;
  msg_seq: number | null;
  msg_type: MessageType | null;
  msg_preview: string | null;
  msg_created_at: Date | null;
  msg_deleted_at: Date | null;
  author_id: string | null;
  author_username: string | null;
  author_display_name: string | null;
  author_created_at: Date | null;
  author_deleted_at: Date | null;
}

/** Unread mentions of `$1` in the conversation row `c`: the stored `mention` notifications after its read marker. */
const MENTION_COUNT = `(SELECT count(*) FROM notifications n
   WHERE n.user_id = $1 AND n.type = 'mention' AND (n.data->>'roomId')::uuid = c.id AND (n.data->>'seq')::bigint > c.viewer_last_read_seq)`;

/**
 * Every conversation of the user `$1`: the membership, the room as they see it, its newest message (one
 * backward probe of the (room_id, seq) index per room: no room row is updated per message, docs/architecture.md)
 * and the activity time the list is sorted by.
 */
const CONVERSATIONS = `
  SELECT r.id, r.name, r.description, r.visibility, r.kind, r.created_by, r.created_at, coalesce(last.seq, 0) AS last_seq,
         (SELECT count(*) FROM memberships mc WHERE mc.room_id = r.id) AS member_count,
         m.role AS viewer_role, m.last_read_seq AS viewer_last_read_seq,
         vm.room_id IS NOT NULL AS viewer_muted, NULLIF(vm.until, 'infinity') AS viewer_muted_until,
         m.notifications_muted, (m.archived_seq IS NOT NULL AND coalesce(last.seq, 0) <= m.archived_seq) AS archived,
         greatest(last.created_at, m.joined_at) AS activity_at,
         (extract(epoch FROM greatest(last.created_at, m.joined_at)) * 1000000)::bigint::text AS activity_key,
         last.id AS msg_id, last.seq AS msg_seq, last.type AS msg_type, last.preview AS msg_preview, last.created_at AS msg_created_at, last.deleted_at AS msg_deleted_at,
         au.id AS author_id, au.username AS author_username, au.display_name AS author_display_name,
         au.created_at AS author_created_at, au.deleted_at AS author_deleted_at
  FROM memberships m
  JOIN rooms r ON r.id = m.room_id
  LEFT JOIN room_sanctions vm ON vm.room_id = r.id AND vm.user_id = $1 AND vm.kind = 'mute' AND vm.until > now()
  LEFT JOIN LATERAL (
    SELECT x.id, x.seq, x.type, x.author_id, x.created_at, x.deleted_at,
           CASE WHEN x.deleted_at IS NULL THEN left(x.content, ${PREVIEW_LENGTH}) ELSE '' END AS preview
    FROM messages x WHERE x.room_id = m.room_id ORDER BY x.seq DESC LIMIT 1) last ON true
  LEFT JOIN users au ON au.id = last.author_id
  WHERE m.user_id = $1`;

function toConversation(row: ConversationRow): ConversationRecord {
  const lastMessage: MessagePreview | null =
    row.msg_id === null
      ? null
      : {
          id: row.msg_id,
          seq: Number(row.msg_seq),
          author: userView({
            id: row.author_id as string,
            username: row.author_username as string,
            displayName: row.author_display_name as string,
            createdAt: row.author_created_at as Date,
            deletedAt: row.author_deleted_at,
          }),
          type: row.msg_type ?? 'text',
          preview: row.msg_preview ?? '',
          deleted: row.msg_deleted_at !== null,
          createdAt: (row.msg_created_at as Date).toISOString(),
        };
  return {
    room: toRecord(row),
    lastMessage,
    lastActivityAt: row.activity_at,
    activityKey: row.activity_key,
    lastReadSeq: row.viewer_last_read_seq ?? 0,
    mentionCount: row.mention_count,
    notificationsMuted: row.notifications_muted,
    archived: row.archived,
  };
}

/** The conversation list's queries and the per-member settings; private to the rooms module. */
@Injectable()
export class ConversationsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** A page of the user's conversations, newest activity first; archived ones only, or only the others. */
  async page(userId: string, options: { archived: boolean; after: ConversationPosition | null; limit: number }): Promise<ConversationRecord[]> {
    const rows = await queryRows<ConversationRow>(
      this.db,
      `SELECT c.*, ${MENTION_COUNT} AS mention_count FROM (
         SELECT * FROM (${CONVERSATIONS}) list
         WHERE list.archived = $2 AND ($3::bigint IS NULL OR (list.activity_key::bigint, list.id) < ($3::bigint, $4::uuid))
         ORDER BY list.activity_key::bigint DESC, list.id DESC LIMIT $5) c
       ORDER BY c.activity_key::bigint DESC, c.id DESC`,
      [userId, options.archived, options.after?.activityKey ?? null, options.after?.roomId ?? null, options.limit],
    );
    return rows.map(toConversation);
  }

  /** One conversation of the user; null when they are not a member. */
  async find(userId: string, roomId: string): Promise<ConversationRecord | null> {
    const rows = await queryRows<ConversationRow>(
      this.db,
      `SELECT c.*, ${MENTION_COUNT} AS mention_count FROM (${CONVERSATIONS} AND m.room_id = $2) c`,
      [userId, roomId],
    );
    return rows[0] ? toConversation(rows[0]) : null;
  }

  /** The rooms the user is a member of (the activity channels a watching socket joins). */
  async memberRoomIds(userId: string): Promise<string[]> {
    const rows = await queryRows<{ room_id: string }>(this.db, `SELECT room_id FROM memberships WHERE user_id = $1`, [userId]);
    return rows.map((row) => row.room_id);
  }

  /** Unread messages, unread mentions and conversations with unread messages, over the conversations not muted. */
  async unreadTotals(userId: string): Promise<{ unreadMessages: number; mentions: number; conversations: number }> {
    const rows = await queryRows<{ unread_messages: number | null; mentions: number | null; conversations: number | null }>(
      this.db,
      `SELECT sum(t.unread)::bigint AS unread_messages, sum(t.mentions)::bigint AS mentions, count(*) FILTER (WHERE t.unread > 0) AS conversations
       FROM (SELECT c.unread, ${MENTION_COUNT} AS mentions
             FROM (SELECT m.room_id AS id, m.last_read_seq AS viewer_last_read_seq, greatest(${lastSeqOf('m.room_id')} - m.last_read_seq, 0) AS unread
                   FROM memberships m WHERE m.user_id = $1 AND NOT m.notifications_muted) c) t`,
      [userId],
    );
    const row = rows[0];
    return { unreadMessages: row?.unread_messages ?? 0, mentions: row?.mentions ?? 0, conversations: row?.conversations ?? 0 };
  }

  /**
   * The member's own settings. Archiving records the room's newest seq: the conversation stays archived while
   * no message is newer, so the next message shows it again without a write on the send path.
   * Returns false when the user is not a member.
   */
  async updateSettings(userId: string, roomId: string, changes: { notificationsMuted?: boolean; archived?: boolean }): Promise<boolean> {
    const { count } = await queryModified(
      this.db,
      `UPDATE memberships m SET
         notifications_muted = COALESCE($3, m.notifications_muted),
         archived_seq = CASE WHEN $4::boolean IS NULL THEN m.archived_seq WHEN $4 THEN ${lastSeqOf('m.room_id')} ELSE NULL END
       WHERE m.room_id = $1 AND m.user_id = $2`,
      [roomId, userId, changes.notificationsMuted ?? null, changes.archived ?? null],
    );
    return count > 0;
  }

  /**
   * "Mark as unread": the message `seq` and every later one become unread (the read marker moves back to
   * seq − 1, never forward). Returns the marker, or null when the user is not a member.
   */
  async moveReadSeqBack(userId: string, roomId: string, seq: number): Promise<number | null> {
    const { rows } = await queryModified<{ last_read_seq: number }>(
      this.db,
      `UPDATE memberships SET last_read_seq = LEAST(last_read_seq, GREATEST($3::bigint - 1, 0))
       WHERE room_id = $1 AND user_id = $2 RETURNING last_read_seq`,
      [roomId, userId, seq],
    );
    return rows[0]?.last_read_seq ?? null;
  }

  /**
   * Of the users mentioned in a room's message, those who get a `mention` notification: who can see the room
   * (a member, or anyone for a public room) and did not mute it.
   */
  async mentionRecipients(roomId: string, userIds: string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = await queryRows<{ id: string }>(
      this.db,
      `SELECT u.id FROM unnest($2::uuid[]) AS u(id)
       JOIN rooms r ON r.id = $1
       LEFT JOIN memberships m ON m.room_id = r.id AND m.user_id = u.id
       WHERE (m.user_id IS NOT NULL AND NOT m.notifications_muted) OR (m.user_id IS NULL AND r.visibility = 'public')`,
      [roomId, userIds],
    );
    return new Set(rows.map((row) => row.id));
  }

  /** The preview of one message (after it was edited or deleted). */
  async preview(roomId: string, seq: number): Promise<MessagePreview | null> {
    const rows = await queryRows<{
      id: string;
      seq: number;
      type: MessageType;
      preview: string;
      created_at: Date;
      deleted_at: Date | null;
      author_id: string;
      username: string;
      display_name: string;
      author_created_at: Date;
      author_deleted_at: Date | null;
    }>(
      this.db,
      `SELECT x.id, x.seq, x.type, CASE WHEN x.deleted_at IS NULL THEN left(x.content, ${PREVIEW_LENGTH}) ELSE '' END AS preview, x.created_at, x.deleted_at,
              u.id AS author_id, u.username, u.display_name, u.created_at AS author_created_at, u.deleted_at AS author_deleted_at
       FROM messages x JOIN users u ON u.id = x.author_id WHERE x.room_id = $1 AND x.seq = $2`,
      [roomId, seq],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id,
      seq: row.seq,
      author: userView({ id: row.author_id, username: row.username, displayName: row.display_name, createdAt: row.author_created_at, deletedAt: row.author_deleted_at }),
      type: row.type,
      preview: row.preview,
      deleted: row.deleted_at !== null,
      createdAt: row.created_at.toISOString(),
    };
  }
}
