import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { DomainEvents } from '@parley/common';
import { AppConfig } from '@parley/config';
import type { Room, ServerEventName, ServerToClientEvents, User } from '@parley/contract';
import type { PresenceTransitions } from '@parley/presence';
import { MessagesService } from '@parley/messages';
import { Metrics } from '@parley/metrics';
import { UsersService } from '@parley/users';
import { ClusterBus, type ClusterEvent } from './cluster-bus';
import { encodeOnce } from './pre-encoded-json';
import { RoomSequencer } from './room-sequencer';
import { SocketRegistry } from './socket-registry';
import { roomChannel, userChannel, type ParleyServer } from './socket-types';
import { TypingTracker } from './typing.tracker';

/**
 * Turns domain events into Socket.IO events for the rooms' subscribers, on every instance.
 *
 * - `message:new` goes over the ClusterBus to every instance with subscribers in the room, and each
 *   instance delivers it to its own sockets through a per-room sequencer: seq order is enforced where the
 *   sockets are, whichever instance committed which message.
 * - `member:left` and `room:deleted` also go over the bus, because each instance must unsubscribe its own
 *   sockets right after telling them.
 * - Everything else is emitted once, by the instance where it happened, through the Socket.IO adapter.
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
    private readonly bus: ClusterBus,
    config: AppConfig,
    metrics: Metrics,
  ) {
    metrics.countSocketsWith(() => registry.localSocketCount);
    this.sequencer = new RoomSequencer({
      gapWaitMs: 250,
      maxGapAttempts: 40,
      loadAfter: async (roomId, afterSeq) => (await messages.catchUp(roomId, afterSeq)).messages,
      deliver: (message) => {
        const channel = roomChannel(message.roomId);
        this.server?.local.to(channel).emit('message:new', message);
        metrics.messageDeliveries.inc(this.server?.of('/').adapter.rooms.get(channel)?.size ?? 0);
      },
      onError: (error) => this.logger.warn(`Gap fill: ${String(error)}`),
    });
    this.typing = new TypingTracker(config.typingTimeoutMs, (roomId, userId, isTyping) => void this.announceTyping(roomId, userId, isTyping));
    registry.onUserLeftRoom = (roomId, userId) => this.typing.set(roomId, userId, false);
    registry.onFirstLocalSubscriber = (roomId) => this.bus.subscribeRoom(roomId);
    registry.onLastLocalSubscriberGone = (roomId) => {
      this.sequencer.forget(roomId);
      void this.bus.unsubscribeRoom(roomId);
    };
    registry.onPresenceTransitions = (transitions) => void this.announcePresence(transitions);
    bus.onEvent((event) => void this.onClusterEvent(event));
    bus.onReconnect(() => void registry.recoverAfterOutage().catch((error: unknown) => this.logger.warn(`Recovery after outage failed: ${String(error)}`)));

    events.on('message.created', ({ message }) => {
      // Encoded once for the sender's ack, the local message:new and the cluster bus.
      encodeOnce(message);
      this.share({ type: 'message.created', message }, message.roomId);
    });
    events.on('member.left', ({ roomId, user }) => this.share({ type: 'member.left', roomId, user }, roomId));
    events.on('room.deleted', ({ roomId }) => this.share({ type: 'room.deleted', roomId }, roomId));
    events.on('message.updated', ({ message }) => this.emitToRoom(message.roomId, 'message:updated', message));
    events.on('message.deleted', (event) => this.emitToRoom(event.roomId, 'message:deleted', event));
    events.on('read.updated', (event) => this.emitToRoom(event.roomId, 'receipt', event));
    events.on('member.joined', ({ roomId, user }) => this.emitToRoom(roomId, 'member:joined', { roomId, user }));
    events.on('room.updated', ({ room }) => this.emitToRoom(room.id, 'room:updated', neutralRoom(room)));
    events.on('announcement', (announcement) => void this.server?.emit('announcement', announcement));
  }

  attach(server: ParleyServer): void {
    this.server = server;
  }

  /** A socket subscribed: deliveries in this room continue from its current lastSeq. */
  primeRoom(roomId: string, lastSeq: number): void {
    this.sequencer.prime(roomId, lastSeq + 1);
  }

  /** After the gateway drained in-flight sends (beforeApplicationShutdown), so held messages still go out. */
  onApplicationShutdown(): void {
    this.sequencer.clear();
    this.typing.clearAll();
  }

  /**
   * Acts locally at once (this instance's sockets do not wait for a Redis round trip) and tells the others.
   * When the bus is down, local sockets are still served; other instances catch up later (gap fill or
   * `room:join {sinceSeq}` on the clients' side).
   */
  private share(event: ClusterEvent, roomId: string): void {
    void this.onClusterEvent(event);
    void this.bus.publish(roomId, event).then((sent) => {
      if (!sent) this.logger.warn(`Cluster bus unavailable: ${event.type} in ${roomId} served locally only`);
    });
  }

  /** Runs on the origin instance directly and on every other instance from the bus (never twice). */
  private async onClusterEvent(event: ClusterEvent): Promise<void> {
    switch (event.type) {
      case 'message.created':
        if (this.registry.hasLocalSubscribers(event.message.roomId)) this.sequencer.push(event.message);
        this.typing.set(event.message.roomId, event.message.author.id, false);
        return;
      case 'member.left':
        this.server?.local.to(roomChannel(event.roomId)).emit('member:left', { roomId: event.roomId, user: event.user });
        await this.registry.unsubscribeUser(event.user.id, event.roomId);
        return;
      case 'room.deleted':
        this.server?.local.to(roomChannel(event.roomId)).emit('room:deleted', { roomId: event.roomId });
        this.sequencer.forget(event.roomId);
        this.typing.clearWhere((typingRoom) => typingRoom === event.roomId);
        await this.registry.dropRoom(event.roomId);
        return;
    }
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

  /** Presence changes found by upkeep (a dead instance reaped, state restored after an outage). */
  private async announcePresence(transitions: PresenceTransitions): Promise<void> {
    const entries = [
      ...transitions.online.map((entry) => ({ ...entry, status: 'online' as const })),
      ...transitions.offline.map((entry) => ({ ...entry, status: 'offline' as const })),
    ];
    const users = new Map<string, User>((await this.users.findByIds(entries.map((entry) => entry.userId))).map((user) => [user.id, user]));
    for (const { roomId, userId, status } of entries) {
      const user = users.get(userId);
      if (user) this.server?.to(roomChannel(roomId)).emit('presence', { roomId, user, status });
    }
  }
}

/** A room broadcast to all subscribers cannot carry one viewer's role or unread count. */
function neutralRoom(room: Room): Room {
  return { ...room, joined: true, role: null, unreadCount: null };
}
