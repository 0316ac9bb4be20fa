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

/** A user row as `userRowJson` gives it: timestamps as ISO text. */
export interface UserJsonRow {
  id: string;
  username: string;
  displayName: string;
  createdAt: string;
  deletedAt: string | null;
}

/**
 * SQL building a user's row as JSON from the `users` row aliased `alias` (NULL when the join found none), for
 * a statement that returns several users per row; read it back with `userFromJson`.
 */
export const userRowJson = (alias: string): string =>
  `CASE WHEN ${alias}.id IS NULL THEN NULL ELSE json_build_object('id', ${alias}.id, 'username', ${alias}.username,
     'displayName', ${alias}.display_name, 'createdAt', ${alias}.created_at, 'deletedAt', ${alias}.deleted_at) END`;

/** The wire shape of a user selected with `userRowJson`. */
export function userFromJson(row: UserJsonRow): User {
  return userView({ ...row, createdAt: new Date(row.createdAt), deletedAt: row.deletedAt === null ? null : new Date(row.deletedAt) });
}
