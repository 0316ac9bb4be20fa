import type { Ack } from './errors';
import type { ChosenStatus, Message, MessagePage, Room, RoomRole, User, UserStatus } from './objects';

/** Client → server payloads (contract section 5). */
export interface RoomJoinPayload {
  roomId: string;
  sinceSeq?: number;
  /** Without sinceSeq: the newest `limit` (1–200) messages come back in the ack. */
  limit?: number;
}
export interface RoomLeavePayload {
  roomId: string;
}
export interface MessageSendPayload {
  roomId: string;
  content: string;
  clientMsgId?: string;
}
export interface MessageEditPayload {
  messageId: string;
  content: string;
}
export interface MessageDeletePayload {
  messageId: string;
}
export interface MessageReadPayload {
  roomId: string;
  seq: number;
}
export interface TypingPayload {
  roomId: string;
  isTyping: boolean;
}

/** `auth:refresh`: a newer access token of the same user and session (obtained with `POST /api/auth/refresh`). */
export interface AuthRefreshPayload {
  accessToken: string;
}
export interface AuthRefreshResult {
  /** When the socket now ends unless refreshed again (the new token's `exp`). */
  expiresAt: string;
}

/** `status:set`: one's own status and text (both optional; `statusText: null` clears the text). */
export interface StatusSetPayload {
  status?: ChosenStatus;
  statusText?: string | null;
}
/** `status:watch` / `status:unwatch`: users whose `status` events this socket gets (at most 100 per call). */
export interface StatusWatchPayload {
  userIds: string[];
}
/** The current status of each watched user this socket may see; the others are left out, silently. */
export interface StatusWatchResult {
  statuses: UserStatus[];
}

export interface RoomJoinResult extends MessagePage {
  room: Room;
}

/** Every client → server event takes an acknowledgement callback. */
export interface ClientToServerEvents {
  'room:join': (payload: RoomJoinPayload, ack: (res: Ack<RoomJoinResult>) => void) => void;
  'room:leave': (payload: RoomLeavePayload, ack: (res: Ack<Record<string, never>>) => void) => void;
  'message:send': (payload: MessageSendPayload, ack: (res: Ack<Message>) => void) => void;
  'message:edit': (payload: MessageEditPayload, ack: (res: Ack<Message>) => void) => void;
  'message:delete': (payload: MessageDeletePayload, ack: (res: Ack<Record<string, never>>) => void) => void;
  'message:read': (payload: MessageReadPayload, ack: (res: Ack<Record<string, never>>) => void) => void;
  typing: (payload: TypingPayload, ack: (res: Ack<Record<string, never>>) => void) => void;
  'auth:refresh': (payload: AuthRefreshPayload, ack: (res: Ack<AuthRefreshResult>) => void) => void;
  'status:set': (payload: StatusSetPayload, ack: (res: Ack<UserStatus>) => void) => void;
  'status:watch': (payload: StatusWatchPayload, ack: (res: Ack<StatusWatchResult>) => void) => void;
  'status:unwatch': (payload: StatusWatchPayload, ack: (res: Ack<Record<string, never>>) => void) => void;
}

export type ClientEventName = keyof ClientToServerEvents;

export const CLIENT_EVENT_NAMES: readonly ClientEventName[] = [
  'room:join',
  'room:leave',
  'message:send',
  'message:edit',
  'message:delete',
  'message:read',
  'typing',
  'auth:refresh',
  'status:set',
  'status:watch',
  'status:unwatch',
];

export interface MessageDeletedEvent {
  roomId: string;
  id: string;
  seq: number;
}
export interface PresenceEvent {
  roomId: string;
  user: User;
  status: 'online' | 'offline';
}
export interface TypingEvent {
  roomId: string;
  user: User;
  isTyping: boolean;
}
export interface ReceiptEvent {
  roomId: string;
  userId: string;
  seq: number;
}
export interface MemberEvent {
  roomId: string;
  user: User;
}
/** `member:muted` (with `until`, null for good) and `member:unmuted`, to the room. */
export interface MemberMuteEvent {
  roomId: string;
  user: User;
  until: string | null;
}
/** `member:updated`: a member's role changed (given by an owner or admin), to the room. */
export interface MemberUpdatedEvent {
  roomId: string;
  user: User;
  role: RoomRole;
}
export interface RoomDeletedEvent {
  roomId: string;
}
export interface AnnouncementEvent {
  content: string;
  createdAt: string;
}

/** Why a session ended before its tokens expired. */
export type SessionEndReason = 'logout' | 'refresh_token_reuse' | 'password_changed' | 'account_suspended' | 'account_deleted';

/** Sent just before the server ends a socket (or SSE stream) whose access token expired without `auth:refresh`. */
export interface AuthExpiredEvent {
  reason: 'token_expired';
  expiredAt: string;
}
/** Sent just before the server ends a socket (or SSE stream) whose session was revoked. */
export interface AuthRevokedEvent {
  reason: SessionEndReason;
}

/** Server → client events (contract section 5). */
export interface ServerToClientEvents {
  'message:new': (message: Message) => void;
  'message:updated': (message: Message) => void;
  'message:deleted': (event: MessageDeletedEvent) => void;
  presence: (event: PresenceEvent) => void;
  typing: (event: TypingEvent) => void;
  receipt: (event: ReceiptEvent) => void;
  'member:joined': (event: MemberEvent) => void;
  'member:left': (event: MemberEvent) => void;
  'member:muted': (event: MemberMuteEvent) => void;
  'member:unmuted': (event: MemberMuteEvent) => void;
  'member:updated': (event: MemberUpdatedEvent) => void;
  'room:updated': (room: Room) => void;
  'room:deleted': (event: RoomDeletedEvent) => void;
  announcement: (event: AnnouncementEvent) => void;
  'auth:expired': (event: AuthExpiredEvent) => void;
  'auth:revoked': (event: AuthRevokedEvent) => void;
  /** A watched user's status, text or last seen changed (contract §9). */
  status: (event: UserStatus) => void;
}

export type ServerEventName = keyof ServerToClientEvents;
