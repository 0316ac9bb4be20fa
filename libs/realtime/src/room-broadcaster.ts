import { Injectable } from '@nestjs/common';
import { DomainEvents } from '@parley/common';
import type { Room, ServerEventName, ServerToClientEvents, User } from '@parley/contract';
import { ClusterAdapter } from 'socket.io-adapter';
import { RoomDelivery } from './room-delivery';
import { SocketRegistry } from './socket-registry';
import { roomChannel, type InterServerEvents, type ParleyServer } from './socket-types';

/**
 * Turns domain events into Socket.IO events for the rooms' subscribers, on every instance, all through the
 * Socket.IO adapter:
 *
 * - `message:new` is broadcast by the room's writer, the only instance that stores the room's messages,
 *   and reaches every instance's subscribers in seq order (RoomDelivery);
 * - `member:left` and `room:deleted` are server-side events: each instance tells its own subscribers, then
 *   unsubscribes them (the user's sockets, or everyone's);
 * - everything else is broadcast to the room by the instance where it happened.
 */
@Injectable()
export class RoomBroadcaster {
  private server?: ParleyServer;

  constructor(
    events: DomainEvents,
    delivery: RoomDelivery,
    private readonly registry: SocketRegistry,
  ) {
    events.on('message.created', ({ message }) => delivery.publish(message));
    events.on('member.left', ({ roomId, user }) => {
      this.serverSideEmit('member:left', { roomId, user });
      return this.memberLeft(roomId, user);
    });
    events.on('room.deleted', ({ roomId }) => {
      this.serverSideEmit('room:deleted', { roomId });
      return this.roomDeleted(roomId);
    });
    events.on('message.updated', ({ message }) => this.emitToRoom(message.roomId, 'message:updated', message));
    events.on('message.deleted', (event) => this.emitToRoom(event.roomId, 'message:deleted', event));
    events.on('message.reactions', (event) => this.emitToRoom(event.roomId, 'message:reactions', event));
    events.on('message.replies', (event) => this.emitToRoom(event.roomId, 'message:replies', event));
    events.on('message.pinned', ({ pin }) => this.emitToRoom(pin.message.roomId, 'message:pinned', pin));
    events.on('message.unpinned', (event) => this.emitToRoom(event.roomId, 'message:unpinned', event));
    events.on('read.updated', (event) => this.emitToRoom(event.roomId, 'receipt', event));
    events.on('member.joined', ({ roomId, user }) => this.emitToRoom(roomId, 'member:joined', { roomId, user }));
    events.on('member.muted', (event) => this.emitToRoom(event.roomId, 'member:muted', event));
    events.on('member.unmuted', (event) => this.emitToRoom(event.roomId, 'member:unmuted', event));
    events.on('member.updated', (event) => this.emitToRoom(event.roomId, 'member:updated', event));
    events.on('room.updated', ({ room }) => this.emitToRoom(room.id, 'room:updated', neutralRoom(room)));
    events.on('announcement', (announcement) => void this.server?.emit('announcement', announcement));
  }

  attach(server: ParleyServer): void {
    this.server = server;
    server.sockets.on('member:left', ({ roomId, user }) => void this.memberLeft(roomId, user));
    server.sockets.on('room:deleted', ({ roomId }) => void this.roomDeleted(roomId));
  }

  /** To the other instances (the adapter does not echo them back here). */
  private serverSideEmit<E extends keyof InterServerEvents>(event: E, ...payload: Parameters<InterServerEvents[E]>): void {
    if (this.server?.of('/').adapter instanceof ClusterAdapter) this.server.serverSideEmit(event, ...payload);
  }

  private async memberLeft(roomId: string, user: User): Promise<void> {
    this.server?.local.to(roomChannel(roomId)).emit('member:left', { roomId, user });
    await this.registry.unsubscribeUser(user.id, roomId);
  }

  private async roomDeleted(roomId: string): Promise<void> {
    this.server?.local.to(roomChannel(roomId)).emit('room:deleted', { roomId });
    await this.registry.dropRoom(roomId);
  }

  private emitToRoom<E extends ServerEventName>(roomId: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    this.server?.to(roomChannel(roomId)).emit(event, ...args);
  }
}

/** A room broadcast to all subscribers cannot carry one viewer's role or unread count. */
export function neutralRoom(room: Room): Room {
  return { ...room, joined: true, role: null, unreadCount: null, muted: null, mutedUntil: null };
}
