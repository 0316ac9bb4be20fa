import { Injectable, Logger } from '@nestjs/common';
import { ApiError, DomainEvents } from '@parley/common';
import type { DurableNotification, DurableNotificationType, Message, MessageNotification, NotificationEventMap, NotificationEventName, Room } from '@parley/contract';
import { ConversationsService, RoomsService } from '@parley/rooms';
import { Blocks, UsersService } from '@parley/users';
import { parseMentions, preview } from './mentions';
import { NotificationBus } from './notification-bus';
import { NotificationsRepository } from './notifications.repository';

/**
 * Decides who is told what (contract §6) when something happens on this instance, stores the durable
 * notifications, and hands everything to the NotificationBus. Nothing about a private room ever goes to
 * someone who is not a member: recipients are always computed from memberships (or, for public rooms,
 * visibility) at the time of the event.
 */
@Injectable()
export class NotificationsService {
  private readonly logger = new Logger(NotificationsService.name);
  /** Per room, the mention work of the messages announced so far (see onMessage). */
  private readonly roomQueues = new Map<string, Promise<void>>();

  constructor(
    events: DomainEvents,
    private readonly bus: NotificationBus,
    private readonly repository: NotificationsRepository,
    private readonly rooms: RoomsService,
    private readonly conversations: ConversationsService,
    private readonly users: UsersService,
    private readonly blocks: Blocks,
  ) {
    events.on('message.created', ({ message, memberIds }) => this.onMessage(message, memberIds));
    events.on('member.joined', ({ roomId, user, addedBy }) => this.onMemberJoined(roomId, user.id, addedBy, { roomId, user }));
    events.on('member.left', async ({ roomId, user }) => {
      const recipients = new Set([...(await this.rooms.listMemberIds(roomId)), user.id]);
      await this.live(recipients, 'member.left', { roomId, user });
    });
    events.on('room.created', ({ room }) => this.onRoomCreated(room));
    events.on('dm.created', async ({ room, otherUserId }) => {
      await this.durable(otherUserId, 'dm.created', await this.rooms.getRoom(otherUserId, room.id));
    });
    events.on('group_dm.created', async ({ room, createdBy, memberIds }) => {
      for (const memberId of memberIds.filter((id) => id !== createdBy)) await this.durable(memberId, 'dm.created', await this.rooms.getRoom(memberId, room.id));
    });
    events.on('announcement', (announcement) => this.bus.toAll({ kind: 'live', event: 'announcement', data: announcement }));
  }

  list(userId: string, options: { unreadOnly: boolean; limit: number; before?: number }): Promise<DurableNotification[]> {
    return this.repository.list(userId, options);
  }

  async markRead(userId: string, upToId: number): Promise<void> {
    if (upToId > (await this.repository.currentId(userId))) throw ApiError.validation('upToId is beyond your newest notification');
    await this.repository.markReadUpTo(userId, upToId);
  }

  private async onMessage(message: Message, members: string[]): Promise<void> {
    // A system message (someone joined, a rename) is history, not something to be told about: no notification.
    if (message.type === 'system') return;
    const data: MessageNotification = {
      roomId: message.roomId,
      messageId: message.id,
      seq: message.seq,
      author: message.author,
      preview: preview(message.content),
    };
    // Whoever blocked the author is not notified by them (contract §10); cached, this costs no query per message.
    const blockers = await this.blocks.blockersOf(message.author.id);
    const names = parseMentions(message.content);
    // Queued before anything is awaited: `message.created` comes in seq order, so the room's mentions are stored
    // (and numbered) in message order even when the lookups of two messages overlap.
    const mentions = names.length === 0 ? undefined : this.inRoomOrder(message.roomId, () => this.mention(message, names, data, blockers));
    // `members` leaves out those who muted the room's notifications (the send statement filters them).
    await this.live(members.filter((id) => id !== message.author.id && !blockers.has(id)), 'message.created', data);
    await mentions;
  }

  private async mention(message: Message, names: string[], data: MessageNotification, blockers: ReadonlySet<string>): Promise<void> {
    const mentioned = (await this.users.findByUsernames(names)).filter((user) => user.id !== message.author.id && !blockers.has(user.id));
    // Only users who can see the room (members, or anyone for a public room) and did not mute it.
    const recipients = await this.conversations.mentionRecipients(message.roomId, mentioned.map((user) => user.id));
    for (const user of mentioned) if (recipients.has(user.id)) await this.durable(user.id, 'mention', data);
  }

  /** Runs `work` after the room's work queued before it (a failure does not hold up the next). */
  private inRoomOrder(roomId: string, work: () => Promise<void>): Promise<void> {
    const next = (this.roomQueues.get(roomId) ?? Promise.resolve()).then(work, work);
    this.roomQueues.set(roomId, next);
    const forget = (): void => {
      if (this.roomQueues.get(roomId) === next) this.roomQueues.delete(roomId);
    };
    next.then(forget, forget);
    return next;
  }

  private async onMemberJoined(roomId: string, userId: string, addedBy: string | null, event: NotificationEventMap['member.joined']): Promise<void> {
    await this.live(await this.rooms.listMemberIds(roomId), 'member.joined', event);
    if (addedBy !== null && addedBy !== userId) await this.durable(userId, 'room.invited', await this.rooms.getRoom(userId, roomId));
  }

  private async onRoomCreated(room: Room): Promise<void> {
    if (room.visibility === 'public') {
      // One event for every stream: the outsider's view (the creator has its own view from the response).
      await this.bus.toAll({ kind: 'live', event: 'room.created', data: { ...room, joined: false, role: null, unreadCount: null, muted: null, mutedUntil: null } });
    } else {
      await this.live(await this.rooms.listMemberIds(room.id), 'room.created', room);
    }
  }

  private async live<K extends NotificationEventName>(userIds: Iterable<string>, event: K, data: NotificationEventMap[K]): Promise<void> {
    await this.bus.toUsers([...userIds], { kind: 'live', event, data });
  }

  private async durable<K extends DurableNotificationType>(userId: string, type: K, data: NotificationEventMap[K]): Promise<void> {
    try {
      const notification = await this.repository.insert(userId, type, data);
      await this.bus.toUser(userId, { kind: 'durable', notification });
    } catch (error) {
      this.logger.error(`Storing a ${type} notification for ${userId} failed: ${String(error)}`);
    }
  }
}
