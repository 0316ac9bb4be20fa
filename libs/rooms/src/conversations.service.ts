import { Injectable } from '@nestjs/common';
import { ApiError, DomainEvents } from '@parley/common';
import { AppConfig } from '@parley/config';
import type { Conversation, ConversationPage, MessagePreview, UnreadTotals } from '@parley/contract';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConversationsRepository, type ConversationPosition, type ConversationRecord } from './conversations.repository';
import { RoomsService, toRoom } from './rooms.service';

export const DEFAULT_CONVERSATION_PAGE = 50;
export const MAX_CONVERSATION_PAGE = 100;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function toConversation(record: ConversationRecord): Conversation {
  const room = toRoom(record.room);
  return {
    room,
    lastMessage: record.lastMessage,
    lastActivityAt: record.lastActivityAt.toISOString(),
    lastReadSeq: record.lastReadSeq,
    unreadCount: room.unreadCount ?? 0,
    mentionCount: record.mentionCount,
    notificationsMuted: record.notificationsMuted,
    archived: record.archived,
  };
}

/**
 * Paging positions as opaque cursors: the position and an HMAC of it (keyed from the JWT secret, the same on
 * every instance), so a cursor that was altered or made up is refused as `validation_failed` before any query.
 */
export class CursorCodec {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('parley:conversation-cursor').digest();
  }

  encode(position: ConversationPosition): string {
    const body = Buffer.from(JSON.stringify([position.activityKey, position.roomId])).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  decode(cursor: string): ConversationPosition {
    const invalid = (): ApiError => ApiError.validation('cursor is not a cursor this server gave', { cursor: ['cursor is not valid'] });
    const [body, signature, extra] = cursor.split('.');
    if (body === undefined || signature === undefined || extra !== undefined) throw invalid();
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw invalid();
    }
    if (!Array.isArray(parsed) || parsed.length !== 2) throw invalid();
    const [activityKey, roomId] = parsed as unknown[];
    if (typeof activityKey !== 'string' || !/^-?\d{1,19}$/.test(activityKey) || typeof roomId !== 'string' || !UUID.test(roomId)) throw invalid();
    return { activityKey, roomId };
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url').slice(0, 22);
  }
}

/**
 * The caller's conversation list (contract §3a): rooms and DMs they belong to, by last activity, with the
 * newest message's preview, unread and mention counts and their own mute/archive choices; and those choices.
 * Per-user changes are announced as `conversation.changed` (realtime tells the user's sockets).
 */
@Injectable()
export class ConversationsService {
  private readonly cursors: CursorCodec;

  constructor(
    private readonly repository: ConversationsRepository,
    private readonly rooms: RoomsService,
    private readonly events: DomainEvents,
    config: AppConfig,
  ) {
    this.cursors = new CursorCodec(config.jwtSecret);
  }

  async list(userId: string, options: { limit?: number; cursor?: string; archived?: boolean }): Promise<ConversationPage> {
    const limit = options.limit ?? DEFAULT_CONVERSATION_PAGE;
    const after = options.cursor === undefined ? null : this.cursors.decode(options.cursor);
    const records = await this.repository.page(userId, { archived: options.archived ?? false, after, limit: limit + 1 });
    const page = records.slice(0, limit);
    const last = page[page.length - 1];
    return {
      conversations: page.map(toConversation),
      nextCursor: records.length > limit && last ? this.cursors.encode({ activityKey: last.activityKey, roomId: last.room.id }) : null,
    };
  }

  /** One conversation of the caller (404 for a room they cannot see, 403 for a public room they are not in). */
  async get(userId: string, roomId: string): Promise<Conversation> {
    const record = await this.repository.find(userId, roomId);
    if (record) return toConversation(record);
    await this.rooms.requireAccess(userId, roomId, 'member');
    throw ApiError.notFound('Conversation'); // left meanwhile
  }

  /** The caller's view of a conversation for a live update; null when they are not a member (any more). */
  async find(userId: string, roomId: string): Promise<Conversation | null> {
    const record = await this.repository.find(userId, roomId);
    return record ? toConversation(record) : null;
  }

  async update(userId: string, roomId: string, changes: { notificationsMuted?: boolean; archived?: boolean }): Promise<Conversation> {
    await this.rooms.requireAccess(userId, roomId, 'member');
    if (!(await this.repository.updateSettings(userId, roomId, changes))) throw ApiError.notFound('Conversation');
    this.events.emit('conversation.changed', { roomId, userId });
    return this.get(userId, roomId);
  }

  /** Moves the caller's read marker back so that `seq` and everything after it is unread (never forward). */
  async markUnread(userId: string, roomId: string, seq: number): Promise<void> {
    await this.rooms.requireAccess(userId, roomId, 'member');
    if ((await this.repository.moveReadSeqBack(userId, roomId, seq)) === null) throw ApiError.notFound('Conversation');
    this.events.emit('conversation.changed', { roomId, userId });
  }

  unreadTotals(userId: string): Promise<UnreadTotals> {
    return this.repository.unreadTotals(userId);
  }

  memberRoomIds(userId: string): Promise<string[]> {
    return this.repository.memberRoomIds(userId);
  }

  /** Of the users mentioned in a room's message, who is notified: can see the room and did not mute it. */
  mentionRecipients(roomId: string, userIds: string[]): Promise<Set<string>> {
    return this.repository.mentionRecipients(roomId, userIds);
  }

  preview(roomId: string, seq: number): Promise<MessagePreview | null> {
    return this.repository.preview(roomId, seq);
  }
}
