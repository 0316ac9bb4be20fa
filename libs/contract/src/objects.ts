/** Wire objects of the Parley API contract (section 1). Shared by the server, the SDK and the tools. */

export type RoomVisibility = 'public' | 'private';
/** `group_dm`: a group direct conversation (2–8 other people, no name of its own, one per set of people). */
export type RoomKind = 'group' | 'direct' | 'group_dm';
export type RoomRole = 'owner' | 'admin' | 'moderator' | 'member';

export interface User {
  id: string;
  username: string;
  displayName: string;
  createdAt: string;
  /**
   * Present, and true, only for a deleted account: its messages and memberships stay, shown with
   * `username: 'deleted'` and `displayName: 'Deleted user'`.
   */
  deleted?: true;
}

export interface Room {
  id: string;
  name: string;
  description: string;
  visibility: RoomVisibility;
  kind: RoomKind;
  createdBy: string;
  createdAt: string;
  memberCount: number;
  lastSeq: number;
  joined: boolean;
  role: RoomRole | null;
  unreadCount: number | null;
  /** The viewer is muted here: sends and edits are refused (null when not a member). */
  muted: boolean | null;
  /** When the viewer's mute ends; null when it is for good or there is none. */
  mutedUntil: string | null;
}

export interface Member {
  user: User;
  role: RoomRole;
  joinedAt: string;
  online: boolean;
}

export interface Message {
  id: string;
  roomId: string;
  seq: number;
  author: User;
  content: string;
  clientMsgId: string | null;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  /** `text`, `image`, `file` or `system` (more types may come: show `content` for a type you do not know). */
  type: MessageType;
  /** A system message's structured event (type `system` only). */
  event?: SystemEvent;
  /** A reply: the message it quotes, as it was when the reply was sent (absent when not a reply). */
  replyTo?: ReplyRef;
  /** Replies in the thread this message starts (present when there is at least one; absent means 0). */
  replyCount?: number;
  /** Files sent with the message, in the order sent (absent when none, and once the message is deleted). */
  attachments?: MessageAttachment[];
  /**
   * Present where the message is read for one viewer (history pages, `room:join`); absent on broadcasts
   * (`message:new`, `message:updated`) and acks, where `message:reactions` events keep them.
   */
  reactions?: Reaction[];
}

/**
 * What a message is: `text` (written by a member), `image` (with attachments, every one an image shown inline:
 * png, jpeg, gif, webp), `file` (with attachments, at least one of another kind) or `system` (a membership or
 * room change, written by the server in the room's seq). Open: later versions may add more.
 */
export type MessageType = 'text' | 'image' | 'file' | 'system';
export const MESSAGE_TYPES = ['text', 'image', 'file', 'system'] as const;

/**
 * A file as a message carries it: what to show before downloading. Its bytes are at
 * `/api/attachments/:id` (and `/thumbnail` when `hasThumbnail`) with a Bearer token, or at the signed URLs
 * `POST /api/attachments/urls` hands out (for `<img src>` and links).
 */
export interface MessageAttachment {
  id: string;
  /** The file name as uploaded, made safe (no path, no control or bidi characters, at most 200 characters). */
  name: string;
  /** Bytes as stored (images are re-encoded without their metadata). */
  size: number;
  /** Detected from the bytes, never taken from the name or the client. */
  contentType: string;
  /** Images (png, jpeg, gif, webp) only, upright. */
  width?: number;
  height?: number;
  hasThumbnail: boolean;
}

/** What a system message records. */
export type SystemEventKind = 'member_joined' | 'member_added' | 'member_left' | 'member_kicked' | 'member_banned' | 'role_changed' | 'room_renamed' | 'description_changed';
export const SYSTEM_EVENT_KINDS: readonly SystemEventKind[] = [
  'member_joined',
  'member_added',
  'member_left',
  'member_kicked',
  'member_banned',
  'role_changed',
  'room_renamed',
  'description_changed',
];

/**
 * A system message's event. `actorId`: who did it (the message's author); `targetId`: whom it was done to (added,
 * kicked, banned, role changed); `role`: the new role (`role_changed`); `from`/`to`: the role, name or description
 * before and after.
 */
export interface SystemEvent {
  kind: SystemEventKind;
  actorId: string;
  targetId?: string;
  role?: RoomRole;
  from?: string | null;
  to?: string | null;
}

/**
 * The message a reply quotes, as it was when the reply was sent. `rootId`: the thread it belongs to (threads
 * are flat: a reply to a reply joins its root's thread, whose `replyCount` counts it).
 */
export interface ReplyRef {
  id: string;
  seq: number;
  authorId: string;
  authorName: string;
  /** The quoted message's first 200 characters (code points). */
  preview: string;
  rootId: string;
}

/** `message:replies`: a thread's reply count moved (one per reply, in seq order). */
export interface MessageRepliesEvent {
  roomId: string;
  messageId: string;
  replyCount: number;
}

/** An emoji on a message: how many members put it there, in the order it was first used; `me`: the viewer did. */
export interface Reaction {
  emoji: string;
  count: number;
  me: boolean;
}

export interface AuthResult {
  user: User;
  accessToken: string;
  refreshToken: string;
  /** Access token lifetime in seconds. */
  expiresIn: number;
}

export interface MessagePage {
  messages: Message[];
  hasMore: boolean;
}

/** A pinned message of a room, newest pin first in `GET /api/rooms/:id/pins`. `pinnedBy` null: that account is gone. */
export interface Pin {
  message: Message;
  pinnedBy: User | null;
  pinnedAt: string;
}

/** A text a message had before an edit: written at `writtenAt` (sent or edited), replaced at `replacedAt`. */
export interface MessageVersion {
  content: string;
  writtenAt: string;
  replacedAt: string;
}

/** A history page opened `around` a seq (a search hit): more either way. `hasMore` equals `hasMoreBefore`. */
export interface MessagePageAround extends MessagePage {
  hasMoreBefore: boolean;
  hasMoreAfter: boolean;
}

/** A message found by search (contract §9). */
export interface SearchHit {
  message: Message;
  room: { id: string; name: string; kind: RoomKind };
  /** Relevance (higher first); comparable within one search only. */
  rank: number;
  /** Plain text (never markup): the message, or its best fragments joined by " … ". */
  snippet: string;
  /** Where the matched words are in `snippet`: UTF-16 offsets (JavaScript string indices), end exclusive, in order. */
  highlights: Array<{ start: number; end: number }>;
}

export interface SearchPage {
  hits: SearchHit[];
  /** Pass as `cursor`, with the same search, for the next page; null on the last page. */
  nextCursor: string | null;
}

/** A room mute (cannot send) or ban (removed, cannot rejoin). `until` null: for good. */
export type SanctionKind = 'mute' | 'ban';
export interface Sanction {
  roomId: string;
  user: User;
  kind: SanctionKind;
  until: string | null;
  reason: string;
  createdBy: string | null;
  createdAt: string;
}

export type ReportStatus = 'open' | 'dismissed' | 'actioned';
export interface Report {
  id: number;
  roomId: string;
  roomName: string;
  message: { id: string; seq: number; content: string; author: User; deleted: boolean };
  reporter: User;
  reason: string;
  status: ReportStatus;
  createdAt: string;
  resolvedBy: string | null;
  resolvedAt: string | null;
}

export type AuditAction =
  | 'message.deleted'
  | 'member.kicked'
  | 'member.role_changed'
  | 'member.muted'
  | 'member.unmuted'
  | 'member.banned'
  | 'member.unbanned'
  | 'report.resolved'
  | 'admin.broadcast'
  | 'user.suspended'
  | 'user.reinstated'
  | 'admin.granted'
  | 'admin.revoked';
export interface AuditEntry {
  id: number;
  at: string;
  action: AuditAction;
  actor: User | null;
  roomId: string | null;
  targetUser: User | null;
  messageId: string | null;
  details: Record<string, unknown>;
}
export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `before` for older entries; null at the start of the log. */
  nextBefore: number | null;
}

/** What the conversation list shows of a room's newest message (contract §3a). */
export interface MessagePreview {
  id: string;
  seq: number;
  author: User;
  /** `text` or `system` (a system message's preview is its text); later versions add others: show `preview`. */
  type: MessageType;
  /** The first 100 characters of the content; `""` for a deleted message. */
  preview: string;
  deleted: boolean;
  createdAt: string;
}

/** One entry of `GET /api/conversations`: a room or DM the caller belongs to, as the caller sees it. */
export interface Conversation {
  room: Room;
  /** Null in a room without messages. */
  lastMessage: MessagePreview | null;
  /** The newest message's time, or the caller's join time when that is later (an empty room: the join time). */
  lastActivityAt: string;
  lastReadSeq: number;
  /** `room.lastSeq - lastReadSeq`. */
  unreadCount: number;
  /** Unread messages (seq > lastReadSeq) that mentioned the caller and were notified (none while notificationsMuted). */
  mentionCount: number;
  /** The caller's own choice: no notifications from this conversation. Not `room.muted` (a moderator's mute). */
  notificationsMuted: boolean;
  /** Hidden from the list until its next message. */
  archived: boolean;
}

export interface ConversationPage {
  conversations: Conversation[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** `GET /api/me/unread`: totals over the caller's conversations that are not notificationsMuted. */
export interface UnreadTotals {
  unreadMessages: number;
  mentions: number;
  conversations: number;
}

/** People (contract §10): blocks, contacts, status and last seen. */
export interface BlockedUser {
  user: User;
  blockedAt: string;
}

/** What a user shows: `away` when idle (AWAY_AFTER_MS) or set by hand; `offline` with no socket anywhere. */
export type PresenceStatus = 'online' | 'away' | 'busy' | 'offline';
/** What a user may set by hand (offline is never chosen: it is the absence of any connection). */
export type ChosenStatus = 'online' | 'away' | 'busy';
export const CHOSEN_STATUSES: readonly ChosenStatus[] = ['online', 'away', 'busy'];
export const STATUS_TEXT_MAX = 100;

export interface UserStatus {
  userId: string;
  status: PresenceStatus;
  /** At most 100 characters; null when none. */
  statusText: string | null;
  /** When the user was last connected (their last socket closed, or their first opened); null: never seen. */
  lastSeenAt: string | null;
}

export interface Contact {
  user: User;
  addedAt: string;
  status: UserStatus;
}

/**
 * An uploaded file (contract §11). `url` and `thumbnailUrl` are signed for the user they were given to and
 * expire (ATTACHMENT_URL_TTL_SECONDS): paths relative to the server, usable without a Bearer header (`<img src>`).
 */
export interface Attachment extends Omit<MessageAttachment, 'hasThumbnail'> {
  url: string;
  /** Images only: a WebP at most 320 pixels on its longer side. */
  thumbnailUrl?: string;
}
