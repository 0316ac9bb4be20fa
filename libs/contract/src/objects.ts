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
