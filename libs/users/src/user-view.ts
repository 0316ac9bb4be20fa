import type { User } from '@parley/contract';

export const DELETED_USERNAME = 'deleted';
export const DELETED_DISPLAY_NAME = 'Deleted user';

export interface UserRow {
  id: string;
  username: string;
  displayName: string;
  createdAt: Date;
  deletedAt: Date | null;
}

/**
 * The wire shape of a user, wherever it is read (profiles, message authors, members): a deleted account
 * keeps its id, its name is replaced and it is flagged `deleted: true`.
 */
export function userView(row: UserRow): User {
  const user: User = { id: row.id, username: row.username, displayName: row.displayName, createdAt: row.createdAt.toISOString() };
  return row.deletedAt ? { ...user, username: DELETED_USERNAME, displayName: DELETED_DISPLAY_NAME, deleted: true } : user;
}
