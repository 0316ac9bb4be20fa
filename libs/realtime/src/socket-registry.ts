import { Injectable, Logger } from '@nestjs/common';
import { PresenceStore } from '@parley/presence';
import { roomChannel, type ParleyServer, type ParleySocket } from './socket-types';

/**
 * This instance's sockets and their room subscriptions. Every subscribe/unsubscribe goes through here so
 * presence (counted per socket, cluster-wide in the PresenceStore) and `presence` events stay exact.
 */
@Injectable()
export class SocketRegistry {
  private readonly logger = new Logger(SocketRegistry.name);
  private readonly socketsByUser = new Map<string, Set<ParleySocket>>();
  private server?: ParleyServer;
  /** Local subscriber sockets per room. */
  private readonly localSubscribers = new Map<string, number>();
  /** Called when a user's last socket in a room is gone (stops their typing there). */
  onUserLeftRoom: (roomId: string, userId: string) => void = () => undefined;
  /** Called when no socket of this instance is subscribed to a room any more. */
  onLastLocalSubscriberGone: (roomId: string) => void = () => undefined;

  constructor(private readonly presence: PresenceStore) {}

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

  localSocketsOf(userId: string): ParleySocket[] {
    return [...(this.socketsByUser.get(userId) ?? [])];
  }

  allLocalSockets(): ParleySocket[] {
    return [...this.socketsByUser.values()].flatMap((sockets) => [...sockets]);
  }

  hasLocalSubscribers(roomId: string): boolean {
    return (this.localSubscribers.get(roomId) ?? 0) > 0;
  }

  async subscribe(socket: ParleySocket, roomId: string): Promise<void> {
    if (socket.data.subscriptions.has(roomId)) return;
    socket.data.subscriptions.add(roomId);
    this.localSubscribers.set(roomId, (this.localSubscribers.get(roomId) ?? 0) + 1);
    await socket.join(roomChannel(roomId));
    if (await this.presence.add(roomId, socket.data.auth.id, socket.id)) {
      this.server?.to(roomChannel(roomId)).emit('presence', { roomId, user: socket.data.user, status: 'online' });
    }
  }

  async unsubscribe(socket: ParleySocket, roomId: string, announce = true): Promise<void> {
    if (!socket.data.subscriptions.delete(roomId)) return;
    const remaining = (this.localSubscribers.get(roomId) ?? 1) - 1;
    if (remaining > 0) this.localSubscribers.set(roomId, remaining);
    else {
      this.localSubscribers.delete(roomId);
      this.onLastLocalSubscriberGone(roomId);
    }
    await socket.leave(roomChannel(roomId));
    const userId = socket.data.auth.id;
    try {
      if (await this.presence.remove(roomId, userId, socket.id)) {
        this.onUserLeftRoom(roomId, userId);
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
}
