import { Injectable, Logger } from '@nestjs/common';
import type { AnnouncementEvent, Message, MessageReactionsEvent, MessageRepliesEvent, MessageUnpinnedEvent, Pin, Room, RoomRole, User } from '@parley/contract';

/**
 * Facts the domain services publish after a commit. Realtime (sockets) and notifications subscribe; the
 * services never know who listens. Payloads carry what every listener needs so none has to query again.
 */
export interface DomainEventMap {
  /** `memberIds`: the room's members at the commit who did not mute its notifications (the notification recipients). */
  'message.created': { message: Message; memberIds: string[] };
  'message.updated': { message: Message };
  'message.deleted': { roomId: string; id: string; seq: number };
  'message.pinned': { pin: Pin };
  'message.reactions': MessageReactionsEvent;
  /** A thread's root has a new reply count (emitted by the room's writer right after the reply's message.created). */
  'message.replies': MessageRepliesEvent;
  'message.unpinned': MessageUnpinnedEvent;
  'room.created': { room: Room };
  'room.updated': { room: Room };
  'room.deleted': { roomId: string; memberIds: string[] };
  'member.joined': { roomId: string; user: User; addedBy: string | null };
  'member.left': { roomId: string; user: User; kicked: boolean };
  /** `until` null: for good (mute) or not muted any more (unmute). */
  'member.muted': { roomId: string; user: User; until: string | null };
  'member.unmuted': { roomId: string; user: User; until: null };
  'member.updated': { roomId: string; user: User; role: RoomRole };
  'read.updated': { roomId: string; userId: string; seq: number };
  'dm.created': { room: Room; createdBy: string; otherUserId: string };
  /** A new group DM; `memberIds`: everyone in it, the creator included. */
  'group_dm.created': { room: Room; createdBy: string; memberIds: string[] };
  /** A member's own view of a conversation changed (mute, archive, marked unread): tell their devices. */
  'conversation.changed': { roomId: string; userId: string };
  /** A block was added / lifted (status watches follow it). */
  'user.blocked': { blockerId: string; blockedId: string };
  'user.unblocked': { blockerId: string; blockedId: string };
  /** An admin broadcast, for every socket and every notification stream. */
  announcement: AnnouncementEvent;
}

export type DomainEventName = keyof DomainEventMap;
type Handler<K extends DomainEventName> = (payload: DomainEventMap[K]) => void | Promise<void>;

/** In-process, typed publish/subscribe. Handlers run after the publisher returns; their failures are logged. */
@Injectable()
export class DomainEvents {
  private readonly logger = new Logger(DomainEvents.name);
  private readonly handlers = new Map<DomainEventName, Array<Handler<DomainEventName>>>();

  on<K extends DomainEventName>(name: K, handler: Handler<K>): void {
    const list = this.handlers.get(name) ?? [];
    list.push(handler as Handler<DomainEventName>);
    this.handlers.set(name, list);
  }

  emit<K extends DomainEventName>(name: K, payload: DomainEventMap[K]): void {
    for (const handler of this.handlers.get(name) ?? []) {
      try {
        const result = handler(payload);
        if (result instanceof Promise) result.catch((error: unknown) => this.report(name, error));
      } catch (error) {
        this.report(name, error);
      }
    }
  }

  private report(name: string, error: unknown): void {
    this.logger.error(`Listener for ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
}
