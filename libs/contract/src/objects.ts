/** Wire objects of the Parley API contract (section 1). Shared by the server, the SDK and the tools. */

export type RoomVisibility = 'public' | 'private';
export type RoomKind = 'group' | 'direct';
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

/** People (contract §9): blocks, contacts, status and last seen. */
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
