/** Wire objects of the Parley API contract (section 1). Shared by the server, the SDK and the tools. */

export type RoomVisibility = 'public' | 'private';
export type RoomKind = 'group' | 'direct';
export type RoomRole = 'owner' | 'admin' | 'member';

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
