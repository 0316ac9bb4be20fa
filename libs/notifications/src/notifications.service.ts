import { Injectable, Logger } from '@nestjs/common';
import { ApiError, DomainEvents } from '@parley/common';
import type { DurableNotification, DurableNotificationType, Message, MessageNotification, NotificationEventMap, NotificationEventName, Room } from '@parley/contract';
import { RoomsService } from '@parley/rooms';
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

  constructor(
    events: DomainEvents,
    private readonly bus: NotificationBus,
    private readonly repository: NotificationsRepository,
    private readonly rooms: RoomsService,
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
    const data: MessageNotification = {
      roomId: message.roomId,
      messageId: message.id,
      seq: message.seq,
      author: message.author,
      preview: preview(message.content),
    };
    // Whoever blocked the author is not notified by them (contract §9); cached, this costs no query per message.
    const blockers = await this.blocks.blockersOf(message.author.id);
    await this.live(members.filter((id) => id !== message.author.id && !blockers.has(id)), 'message.created', data);

    const mentioned = (await this.users.findByUsernames(parseMentions(message.content))).filter(
      (user) => user.id !== message.author.id && !blockers.has(user.id),
    );
    for (const user of mentioned) {
      // Only users who can see the room: members, or anyone for a public room.
      const visible = await this.rooms.requireAccess(user.id, message.roomId, 'view').then(
        () => true,
        () => false,
      );
      if (visible) await this.durable(user.id, 'mention', data);
    }
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
