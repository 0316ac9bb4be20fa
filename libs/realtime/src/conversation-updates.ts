import { Injectable, Logger } from '@nestjs/common';
import { DomainEvents } from '@parley/common';
import type { ConversationPage, ConversationUpdatedEvent, Message, MessagePreview } from '@parley/contract';
import { parseMentions } from '@parley/notifications';
import { ConversationsService, PREVIEW_LENGTH } from '@parley/rooms';
import { neutralRoom } from './room-broadcaster';
import { activityChannel, watchChannel, type ParleyServer, type ParleySocket } from './socket-types';

/** What a conversation list shows of a message: its first PREVIEW_LENGTH characters (code points, as PostgreSQL's left()). */
export function previewOf(message: Message): MessagePreview {
  const { content } = message;
  // PREVIEW_LENGTH code points lie within the first 2 × PREVIEW_LENGTH UTF-16 units: no need to split all of it.
  const preview = content.length <= PREVIEW_LENGTH ? content : Array.from(content.slice(0, 2 * PREVIEW_LENGTH)).slice(0, PREVIEW_LENGTH).join('');
  return {
    id: message.id,
    seq: message.seq,
    author: message.author,
    type: message.type,
    preview: message.deletedAt === null ? preview : '',
    deleted: message.deletedAt !== null,
    createdAt: message.createdAt,
  };
}

/** One room's new messages of one writer batch, announced as one `activity` update. */
interface PendingActivity {
  newest: Message;
  mentions: string[];
}

/**
 * Keeps every watching socket's conversation list current (`conversation:updated`), on every instance, all
 * through the Socket.IO adapter (docs/architecture.md#the-conversation-list):
 *
 * - new messages: the room's writer sends ONE `activity` update per room per batch (the messages of one
 *   statement are coalesced) to the room's activity channel, which the watching sockets of its members join:
 *   no per-member publish on the send path;
 * - per-user changes (a room created, joined, added, new DM, left, kicked, read marker moved, mute, archive, marked unread) go
 *   to the user's watching sockets (`watch:<userId>`), which also join or leave the room's activity channel;
 * - edits and deletions (`preview`) and renames (`room`) go to the activity channel.
 */
@Injectable()
export class ConversationUpdates {
  private readonly logger = new Logger(ConversationUpdates.name);
  private server?: ParleyServer;
  private readonly pending = new Map<string, PendingActivity>();
  private flushQueued = false;

  constructor(
    events: DomainEvents,
    private readonly conversations: ConversationsService,
  ) {
    events.on('message.created', ({ message }) => this.queueActivity(message));
    events.on('message.updated', ({ message }) => this.toActivity(message.roomId, { roomId: message.roomId, kind: 'preview', lastMessage: previewOf(message) }));
    events.on('message.deleted', async ({ roomId, seq }) => {
      const lastMessage = await this.conversations.preview(roomId, seq);
      if (lastMessage) this.toActivity(roomId, { roomId, kind: 'preview', lastMessage });
    });
    events.on('room.updated', ({ room }) => this.toActivity(room.id, { roomId: room.id, kind: 'room', room: neutralRoom(room) }));
    events.on('room.deleted', ({ roomId, memberIds }) => {
      for (const userId of memberIds) this.toWatchers(userId, { roomId, kind: 'removed' });
      this.server?.in(activityChannel(roomId)).socketsLeave(activityChannel(roomId));
    });
    events.on('room.created', ({ room }) => (room.createdBy ? this.joined(room.id, [room.createdBy]) : undefined));
    events.on('member.joined', ({ roomId, user }) => this.joined(roomId, [user.id]));
    events.on('dm.created', ({ room, createdBy, otherUserId }) => this.joined(room.id, [createdBy, otherUserId]));
    events.on('group_dm.created', ({ room, memberIds }) => this.joined(room.id, memberIds));
    events.on('member.left', ({ roomId, user }) => {
      this.server?.in(watchChannel(user.id)).socketsLeave(activityChannel(roomId));
      this.toWatchers(user.id, { roomId, kind: 'removed' });
    });
    events.on('read.updated', ({ roomId, userId }) => this.changed(roomId, userId));
    events.on('conversation.changed', ({ roomId, userId }) => this.changed(roomId, userId));
  }

  attach(server: ParleyServer): void {
    this.server = server;
  }

  /**
   * `conversations:watch`: the socket joins its user's watch channel first (so a membership added meanwhile
   * reaches it), then the activity channel of every room of the user; the ack is the list's first page, read
   * after both, so no update falls between the page and the live stream.
   */
  async watch(socket: ParleySocket, limit: number | undefined): Promise<ConversationPage> {
    const userId = socket.data.auth.id;
    await socket.join(watchChannel(userId));
    const roomIds = await this.conversations.memberRoomIds(userId);
    if (roomIds.length > 0) await socket.join(roomIds.map(activityChannel));
    return this.conversations.list(userId, { limit });
  }

  async unwatch(socket: ParleySocket): Promise<void> {
    const channels = [...socket.rooms].filter((room) => room.startsWith('activity:') || room === watchChannel(socket.data.auth.id));
    for (const channel of channels) await socket.leave(channel);
  }

  /** Coalesces the writer's `message.created` of one statement (emitted in one turn) into one update per room. */
  private queueActivity(message: Message): void {
    const entry = this.pending.get(message.roomId);
    const mentions = entry?.mentions ?? [];
    if (message.type !== 'system' && message.content.includes('@')) {
      const author = message.author.username.toLowerCase();
      for (const name of parseMentions(message.content)) if (name !== author) mentions.push(name);
    }
    this.pending.set(message.roomId, { newest: entry && entry.newest.seq > message.seq ? entry.newest : message, mentions });
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => this.flushActivity());
  }

  private flushActivity(): void {
    this.flushQueued = false;
    for (const [roomId, { newest, mentions }] of this.pending) {
      this.toActivity(roomId, { roomId, kind: 'activity', lastSeq: newest.seq, lastMessage: previewOf(newest), lastActivityAt: newest.createdAt, mentions });
    }
    this.pending.clear();
  }

  /** A user's watching sockets join the room's activity channel (on every instance), then get the conversation. */
  private async joined(roomId: string, userIds: string[]): Promise<void> {
    for (const userId of userIds) this.server?.in(watchChannel(userId)).socketsJoin(activityChannel(roomId));
    await Promise.all(userIds.map((userId) => this.changed(roomId, userId)));
  }

  /** The user's own view of the conversation, to their watching sockets. */
  private async changed(roomId: string, userId: string): Promise<void> {
    try {
      const conversation = await this.conversations.find(userId, roomId);
      this.toWatchers(userId, conversation ? { roomId, kind: 'changed', conversation } : { roomId, kind: 'removed' });
    } catch (error) {
      this.logger.warn(`conversation:updated for ${userId} in ${roomId} not sent: ${String(error)}`);
    }
  }

  private toActivity(roomId: string, event: ConversationUpdatedEvent): void {
    this.server?.to(activityChannel(roomId)).emit('conversation:updated', event);
  }

  private toWatchers(userId: string, event: ConversationUpdatedEvent): void {
    this.server?.to(watchChannel(userId)).emit('conversation:updated', event);
  }
}
