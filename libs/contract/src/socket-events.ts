import type { Ack } from './errors';
import type { ChosenStatus, Conversation, ConversationPage, Message, MessagePage, MessagePreview, MessageRepliesEvent, Pin, Reaction, Room, RoomRole, User, UserStatus } from './objects';

/** Client → server payloads (contract section 5). */
export interface RoomJoinPayload {
  roomId: string;
  sinceSeq?: number;
  /** Without sinceSeq: the newest `limit` (1–200) messages come back in the ack. */
  limit?: number;
  /** With sinceSeq: also the messages up to sinceSeq changed (edited, deleted, reactions) after this version. */
  sinceVersion?: number;
}
export interface RoomLeavePayload {
  roomId: string;
}
export interface MessageSendPayload {
  roomId: string;
  content: string;
  clientMsgId?: string;
  /** Reply to this message of the same room (not deleted): the new message carries its snapshot in `replyTo`. */
  replyTo?: string;
  /** Up to 10 of the sender's unsent uploads to this room (§11), in the order to show; `content` may then be empty. */
  attachments?: string[];
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

/** `conversations:watch`: live `conversation:updated` for every conversation of the caller; the ack is the list's first page. */
export interface ConversationsWatchPayload {
  /** Size of the first page in the ack, 1–100 (50). */
  limit?: number;
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
  /** The room's change version now (or as far as `changes` go when `hasMoreChanges`): the next `sinceVersion`. */
  changeVersion: number;
  /** With `sinceVersion`: the messages at or below `sinceSeq` changed since, in their current state, oldest change first. */
  changes?: Message[];
  /** More changes than one answer holds (200): read the rest from `GET /api/rooms/:id/messages/changes?sinceVersion=changeVersion`. */
  hasMoreChanges?: boolean;
}

/** `GET /api/rooms/:id/messages/changes`: messages changed after `sinceVersion`, oldest change first. */
export interface MessageChanges {
  messages: Message[];
  changeVersion: number;
  hasMore: boolean;
}

/** Every client → server event takes an acknowledgement callback. */
export interface ClientToServerEvents {
  'room:join': (payload: RoomJoinPayload, ack: (res: Ack<RoomJoinResult>) => void) => void;
  'room:leave': (payload: RoomLeavePayload, ack: (res: Ack<Record<string, never>>) => void) => void;
  'message:send': (payload: MessageSendPayload, ack: (res: Ack<Message>) => void) => void;
  'message:edit': (payload: MessageEditPayload, ack: (res: Ack<Message>) => void) => void;
  'message:delete': (payload: MessageDeletePayload, ack: (res: Ack<Record<string, never>>) => void) => void;
  'message:read': (payload: MessageReadPayload, ack: (res: Ack<Record<string, never>>) => void) => void;
  'reaction:toggle': (payload: ReactionTogglePayload, ack: (res: Ack<ReactionResult>) => void) => void;
  typing: (payload: TypingPayload, ack: (res: Ack<Record<string, never>>) => void) => void;
  'auth:refresh': (payload: AuthRefreshPayload, ack: (res: Ack<AuthRefreshResult>) => void) => void;
  'conversations:watch': (payload: ConversationsWatchPayload, ack: (res: Ack<ConversationPage>) => void) => void;
  'conversations:unwatch': (payload: Record<string, never>, ack: (res: Ack<Record<string, never>>) => void) => void;
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
  'reaction:toggle',
  'typing',
  'auth:refresh',
  'conversations:watch',
  'conversations:unwatch',
  'status:set',
  'status:watch',
  'status:unwatch',
];

export interface MessageDeletedEvent {
  roomId: string;
  id: string;
  seq: number;
}
export interface ReactionTogglePayload {
  messageId: string;
  /** One emoji, or a `:shortcode:` from the fixed list (stored as its emoji). */
  emoji: string;
  /** Set it (true) or clear it (false) whatever it was, so that a retry cannot flip it back; absent: toggle. */
  on?: boolean;
}
/** The ack: whether the caller's reaction is now on, and the message's reactions as the caller sees them. */
export interface ReactionResult {
  messageId: string;
  emoji: string;
  on: boolean;
  reactions: Reaction[];
}
/** To the room when a reaction is added or removed: the counts (with no viewer's `me`), and who did it. */
export interface MessageReactionsEvent {
  roomId: string;
  messageId: string;
  emoji: string;
  user: User;
  added: boolean;
  reactions: Array<Omit<Reaction, 'me'>>;
}
export interface MessageUnpinnedEvent {
  roomId: string;
  messageId: string;
  unpinnedBy: User;
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

/**
 * What changed in one conversation of the list (`conversation:updated`), by `kind`:
 * - `activity` (to the sockets watching the room's members' lists, one per room and writer batch): a new
 *   message; `lastSeq`, `lastMessage`, `lastActivityAt`, and `mentions` (the lower-cased usernames mentioned,
 *   once per message that mentions them, the author's own left out);
 * - `preview`: the message `lastMessage.seq` was edited or deleted (apply it when it is the one shown);
 * - `room`: the room was renamed or described (`room`, without per-viewer fields);
 * - `changed` (to the user's own sockets): the user's view changed (joined, added, a new DM, read marker moved
 *   on another device, mute, archive, marked unread): `conversation` is the whole entry;
 * - `removed` (to the user's own sockets, or to the watchers of a deleted room): drop the conversation.
 */
export type ConversationUpdateKind = 'activity' | 'preview' | 'room' | 'changed' | 'removed';
export interface ConversationUpdatedEvent {
  roomId: string;
  kind: ConversationUpdateKind;
  lastSeq?: number;
  lastMessage?: MessagePreview;
  lastActivityAt?: string;
  mentions?: string[];
  room?: Room;
  conversation?: Conversation;
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
  'message:reactions': (event: MessageReactionsEvent) => void;
  /** A thread got a reply: its root's new `replyCount` (counts only grow: keep the highest seen). */
  'message:replies': (event: MessageRepliesEvent) => void;
  'message:pinned': (pin: Pin) => void;
  'message:unpinned': (event: MessageUnpinnedEvent) => void;
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
  'conversation:updated': (event: ConversationUpdatedEvent) => void;
  /** A watched user's status, text or last seen changed (contract §10). */
  status: (event: UserStatus) => void;
}

export type ServerEventName = keyof ServerToClientEvents;
