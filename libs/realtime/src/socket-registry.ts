import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { User } from '@parley/contract';
import { Metrics } from '@parley/metrics';
import { PresenceStore, type PresenceEntry, type PresenceTransitions } from '@parley/presence';
import { ChannelBus } from '@parley/redis';
import { RoomsService } from '@parley/rooms';
import { UsersService } from '@parley/users';
import { RoomDelivery } from './room-delivery';
import { roomChannel, type ParleyServer, type ParleySocket } from './socket-types';
import { Typing } from './typing';

/**
 * This instance's sockets and their room subscriptions. Every subscribe/unsubscribe goes through here so
 * presence (counted per socket, cluster-wide in the PresenceStore) and `presence` events stay exact.
 */
@Injectable()
export class SocketRegistry implements OnApplicationBootstrap {
  private readonly logger = new Logger(SocketRegistry.name);
  private readonly socketsByUser = new Map<string, Set<ParleySocket>>();
  /** Local subscriber sockets per room. */
  private readonly localSubscribers = new Map<string, number>();
  private server?: ParleyServer;

  constructor(
    private readonly presence: PresenceStore,
    private readonly rooms: RoomsService,
    private readonly users: UsersService,
    private readonly delivery: RoomDelivery,
    private readonly typing: Typing,
    bus: ChannelBus,
    metrics: Metrics,
  ) {
    metrics.countSocketsWith(() => this.localSocketCount);
    // Redis is back: presence and memberships are reconciled (room channels are renewed by the adapter's factory).
    bus.onRecovered(() => void this.recoverAfterOutage().catch((error: unknown) => this.logger.warn(`Recovery after outage failed: ${String(error)}`)));
  }

  onApplicationBootstrap(): void {
    this.presence.start({
      localEntries: () => this.localEntries(),
      onTransitions: (transitions) => void this.announcePresence(transitions),
    });
  }

  attach(server: ParleyServer): void {
    this.server = server;
  }

  get localSocketCount(): number {
    let count = 0;
    for (const sockets of this.socketsByUser.values()) count += sockets.size;
    return count;
  }

  register(socket: ParleySocket): void {
    const userId = socket.data.auth.id;
    const sockets = this.socketsByUser.get(userId) ?? new Set();
    sockets.add(socket);
    this.socketsByUser.set(userId, sockets);
  }

  async unregister(socket: ParleySocket): Promise<void> {
    const userId = socket.data.auth.id;
    const sockets = this.socketsByUser.get(userId);
    sockets?.delete(socket);
    if (sockets?.size === 0) this.socketsByUser.delete(userId);
    await Promise.all([...socket.data.subscriptions].map((roomId) => this.unsubscribe(socket, roomId)));
  }

  /** Users with at least one socket on this instance. */
  localUserIds(): string[] {
    return [...this.socketsByUser.keys()];
  }

  localSocketsOf(userId: string): ParleySocket[] {
    return [...(this.socketsByUser.get(userId) ?? [])];
  }

  allLocalSockets(): ParleySocket[] {
    return [...this.socketsByUser.values()].flatMap((sockets) => [...sockets]);
  }

  /** Resolves once the socket will receive the room's events from every instance. */
  async subscribe(socket: ParleySocket, roomId: string): Promise<void> {
    if (socket.data.subscriptions.has(roomId)) return;
    socket.data.subscriptions.add(roomId);
    this.localSubscribers.set(roomId, (this.localSubscribers.get(roomId) ?? 0) + 1);
    await socket.join(roomChannel(roomId));
    try {
      if (await this.presence.add(roomId, socket.data.auth.id, socket.id)) {
        this.server?.to(roomChannel(roomId)).emit('presence', { roomId, user: socket.data.user, status: 'online' });
      }
    } catch (error) {
      this.logger.warn(`Presence update failed for ${socket.data.auth.id} in ${roomId}: ${String(error)}`);
    }
  }

  async unsubscribe(socket: ParleySocket, roomId: string, announce = true): Promise<void> {
    if (!socket.data.subscriptions.delete(roomId)) return;
    const remaining = (this.localSubscribers.get(roomId) ?? 1) - 1;
    if (remaining > 0) this.localSubscribers.set(roomId, remaining);
    else {
      this.localSubscribers.delete(roomId);
      this.delivery.forget(roomId);
    }
    await socket.leave(roomChannel(roomId));
    const userId = socket.data.auth.id;
    try {
      if (await this.presence.remove(roomId, userId, socket.id)) {
        this.typing.stop(roomId, userId);
        if (announce) this.server?.to(roomChannel(roomId)).emit('presence', { roomId, user: socket.data.user, status: 'offline' });
      }
    } catch (error) {
      this.logger.warn(`Presence update failed for ${userId} in ${roomId}: ${String(error)}`);
    }
  }

  /** Kick/leave: the user's sockets on this instance stop receiving the room at once. */
  async unsubscribeUser(userId: string, roomId: string): Promise<void> {
    await Promise.all(this.localSocketsOf(userId).map((socket) => this.unsubscribe(socket, roomId)));
  }

  /** Room deleted: every local subscription to it ends, silently. */
  async dropRoom(roomId: string): Promise<void> {
    await Promise.all(this.allLocalSockets().map((socket) => this.unsubscribe(socket, roomId, false)));
  }

  /**
   * After a cluster outage: drop subscriptions whose membership ended meanwhile (a kick announced while this
   * instance could not hear it), and put presence right.
   */
  async recoverAfterOutage(): Promise<void> {
    // Removals that failed while Redis was away would leave users online forever: reconcile.
    await this.presence.resync();
    const entries = this.localEntries();
    const valid = await this.rooms.filterMemberships(entries.map(({ roomId, userId }) => ({ roomId, userId })));
    const stale = new Set(entries.filter(({ roomId, userId }) => !valid.has(`${roomId}|${userId}`)).map(({ roomId, userId }) => `${roomId}|${userId}`));
    for (const key of stale) {
      const [roomId = '', userId = ''] = key.split('|');
      this.logger.log(`Dropping subscription of ${userId} to ${roomId}: membership ended during the outage`);
      await this.unsubscribeUser(userId, roomId);
    }
  }

  /** Withdraws this instance from cluster presence (after its sockets were unregistered). */
  stopPresence(): Promise<void> {
    return this.presence.stop();
  }

  /** Presence changes found by upkeep (a dead instance reaped, state restored after an outage). */
  private async announcePresence(transitions: PresenceTransitions): Promise<void> {
    const entries = [
      ...transitions.online.map((entry) => ({ ...entry, status: 'online' as const })),
      ...transitions.offline.map((entry) => ({ ...entry, status: 'offline' as const })),
    ];
    if (entries.length === 0) return;
    const users = new Map<string, User>((await this.users.findByIds(entries.map((entry) => entry.userId))).map((user) => [user.id, user]));
    for (const { roomId, userId, status } of entries) {
      const user = users.get(userId);
      if (user) this.server?.to(roomChannel(roomId)).emit('presence', { roomId, user, status });
    }
  }

  private localEntries(): PresenceEntry[] {
    return this.allLocalSockets().flatMap((socket) =>
      [...socket.data.subscriptions].map((roomId) => ({ roomId, userId: socket.data.auth.id, socketId: socket.id })),
    );
  }
}
