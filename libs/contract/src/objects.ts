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
  /**
   * Present where the message is read for one viewer (history pages, `room:join`); absent on broadcasts
   * (`message:new`, `message:updated`) and acks, where `message:reactions` events keep them.
   */
  reactions?: Reaction[];
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
