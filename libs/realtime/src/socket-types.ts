import type { AuthUser } from '@parley/common';
import type { ClientToServerEvents, ServerToClientEvents, User } from '@parley/contract';
import type { Server, Socket } from 'socket.io';

/**
 * Socket.IO server-side events (`serverSideEmit`, only with the Redis adapter): the membership changes each
 * instance acts on for its own sockets. Forwarded sends and notifications use the ChannelBus (libs/redis).
 */
export interface InterServerEvents {
  'member:left': (event: { roomId: string; user: User }) => void;
  'room:deleted': (event: { roomId: string }) => void;
}

export interface SocketData {
  auth: AuthUser;
  user: User;
  /** Rooms this socket subscribed to with `room:join` (for presence bookkeeping on leave/disconnect). */
  subscriptions: Set<string>;
  /** Ends the socket when its access token expires, unless `auth:refresh` moved it (SocketSessions). */
  expiryTimer?: NodeJS.Timeout;
}

export type ParleyServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type ParleySocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** Socket.IO room of every socket subscribed to a chat room. */
export const roomChannel = (roomId: string): string => `room:${roomId}`;
/** Socket.IO room of every socket of a user, on every instance. */
export const userChannel = (userId: string): string => `user:${userId}`;
/** Socket.IO room of the sockets watching the conversation list of a member of a chat room (`conversation:updated` activity). */
export const activityChannel = (roomId: string): string => `activity:${roomId}`;
/** Socket.IO room of a user's sockets that watch their conversation list, on every instance. */
export const watchChannel = (userId: string): string => `watch:${userId}`;
