import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { DomainEvents } from '@parley/common';
import { AppConfig } from '@parley/config';
import type { Message, Room, ServerEventName, ServerToClientEvents } from '@parley/contract';
import { MessagesService } from '@parley/messages';
import { UsersService } from '@parley/users';
import { RoomSequencer } from './room-sequencer';
import { SocketRegistry } from './socket-registry';
import { roomChannel, userChannel, type ParleyServer } from './socket-types';
import { TypingTracker } from './typing.tracker';

/**
 * Turns domain events into Socket.IO events for the rooms' subscribers. The only place that emits room
 * events, so ordering (per-room seq order for `message:new`) is enforced in one spot.
 */
@Injectable()
export class RoomBroadcaster implements OnApplicationShutdown {
  private readonly logger = new Logger(RoomBroadcaster.name);
  private server?: ParleyServer;
  private readonly sequencer: RoomSequencer;
  readonly typing: TypingTracker;

  constructor(
    events: DomainEvents,
    messages: MessagesService,
    private readonly users: UsersService,
    private readonly registry: SocketRegistry,
    config: AppConfig,
  ) {
    this.sequencer = new RoomSequencer({
      gapWaitMs: 250,
      maxGapAttempts: 40,
      loadAfter: async (roomId, afterSeq) => (await messages.catchUp(roomId, afterSeq)).messages,
      // Each instance delivers to its own subscribers: the per-room order is enforced where the sockets are.
      deliver: (message) => this.server?.local.to(roomChannel(message.roomId)).emit('message:new', message),
      onError: (error) => this.logger.warn(`Gap fill failed: ${String(error)}`),
    });
    this.typing = new TypingTracker(config.typingTimeoutMs, (roomId, userId, isTyping) => void this.announceTyping(roomId, userId, isTyping));
    registry.onUserLeftRoom = (roomId, userId) => this.typing.set(roomId, userId, false);
    registry.onLastLocalSubscriberGone = (roomId) => this.sequencer.forget(roomId);

    events.on('message.created', ({ message }) => this.onMessageCreated(message));
    events.on('message.updated', ({ message }) => this.emitToRoom(message.roomId, 'message:updated', message));
    events.on('message.deleted', (event) => this.emitToRoom(event.roomId, 'message:deleted', event));
    events.on('read.updated', (event) => this.emitToRoom(event.roomId, 'receipt', event));
    events.on('member.joined', ({ roomId, user }) => this.emitToRoom(roomId, 'member:joined', { roomId, user }));
    events.on('room.updated', ({ room }) => this.emitToRoom(room.id, 'room:updated', neutralRoom(room)));
    events.on('member.left', async ({ roomId, user }) => {
      this.emitToRoom(roomId, 'member:left', { roomId, user });
      await this.registry.unsubscribeUser(user.id, roomId);
    });
    events.on('room.deleted', async ({ roomId }) => {
      this.emitToRoom(roomId, 'room:deleted', { roomId });
      this.sequencer.forget(roomId);
      this.typing.clearWhere((typingRoom) => typingRoom === roomId);
      await this.registry.dropRoom(roomId);
    });
  }

  /** A socket subscribed: deliveries in this room continue from its current lastSeq. */
  primeRoom(roomId: string, lastSeq: number): void {
    this.sequencer.prime(roomId, lastSeq + 1);
  }

  attach(server: ParleyServer): void {
    this.server = server;
  }

  /** After the gateway drained in-flight sends (beforeApplicationShutdown), so held messages still go out. */
  onApplicationShutdown(): void {
    this.sequencer.clear();
    this.typing.clearAll();
  }

  private onMessageCreated(message: Message): void {
    if (this.registry.hasLocalSubscribers(message.roomId)) this.sequencer.push(message);
    // Sending ends typing.
    this.typing.set(message.roomId, message.author.id, false);
  }

  private emitToRoom<E extends ServerEventName>(roomId: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    this.server?.to(roomChannel(roomId)).emit(event, ...args);
  }

  private async announceTyping(roomId: string, userId: string, isTyping: boolean): Promise<void> {
    const local = this.registry.localSocketsOf(userId)[0]?.data.user;
    const user = local ?? (await this.users.findById(userId));
    if (!user) return;
    this.server?.to(roomChannel(roomId)).except(userChannel(userId)).emit('typing', { roomId, user, isTyping });
  }
}

/** A room broadcast to all subscribers cannot carry one viewer's role or unread count. */
function neutralRoom(room: Room): Room {
  return { ...room, joined: true, role: null, unreadCount: null };
}
