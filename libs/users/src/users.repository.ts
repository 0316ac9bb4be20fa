import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isUniqueViolation, queryModified, queryRows } from '@parley/database';
import { DataSource } from 'typeorm';

/** A user row; `passwordHash` only where a method says it reads it. */
export interface UserRecord {
  id: string;
  username: string;
  displayName: string;
  createdAt: Date;
  /** The row stays when an account is deleted (messages and memberships keep their author). */
  deletedAt: Date | null;
}

export interface UserCredentialsRecord extends UserRecord {
  passwordHash: string;
  suspended: boolean;
}

interface UserRow {
  id: string;
  username: string;
  display_name: string;
  created_at: Date;
  deleted_at: Date | null;
}

const USER_COLUMNS = 'id, username, display_name, created_at, deleted_at';

function toRecord(row: UserRow): UserRecord {
  return { id: row.id, username: row.username, displayName: row.display_name, createdAt: row.created_at, deletedAt: row.deleted_at };
}

/** Persistence of users; private to the users module. */
@Injectable()
export class UsersRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async findById(id: string): Promise<UserRecord | null> {
    const rows = await queryRows<UserRow>(this.db, `SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async findByIds(ids: string[]): Promise<UserRecord[]> {
    if (ids.length === 0) return [];
    const rows = await queryRows<UserRow>(this.db, `SELECT ${USER_COLUMNS} FROM users WHERE id = ANY($1::uuid[])`, [ids]);
    return rows.map(toRecord);
  }

  /** Case-insensitive, deleted accounts excluded; includes the password hash, for login only. */
  async findCredentialsByUsername(username: string): Promise<UserCredentialsRecord | null> {
    const rows = await queryRows<UserRow & { password_hash: string; suspended: boolean }>(
      this.db,
      `SELECT ${USER_COLUMNS}, password_hash, suspended_at IS NOT NULL AS suspended FROM users WHERE lower(username) = lower($1) AND deleted_at IS NULL`,
      [username],
    );
    const row = rows[0];
    return row ? { ...toRecord(row), passwordHash: row.password_hash, suspended: row.suspended } : null;
  }

  /** Includes the password hash, for re-authentication (password change, account deletion). */
  async findCredentialsById(id: string): Promise<UserCredentialsRecord | null> {
    const rows = await queryRows<UserRow & { password_hash: string; suspended: boolean }>(
      this.db,
      `SELECT ${USER_COLUMNS}, password_hash, suspended_at IS NOT NULL AS suspended FROM users WHERE id = $1 AND deleted_at IS NULL`,
      [id],
    );
    const row = rows[0];
    return row ? { ...toRecord(row), passwordHash: row.password_hash, suspended: row.suspended } : null;
  }

  /** Deleted accounts excluded (they cannot be mentioned or found). */
  async findByUsernames(usernames: string[]): Promise<UserRecord[]> {
    if (usernames.length === 0) return [];
    const lowered = usernames.map((name) => name.toLowerCase());
    const rows = await queryRows<UserRow>(
      this.db,
      `SELECT ${USER_COLUMNS} FROM users WHERE lower(username) = ANY($1::text[]) AND deleted_at IS NULL`,
      [lowered],
    );
    return rows.map(toRecord);
  }

  /** Null for an unknown id; `id` must be a UUID. */
  async findState(id: string): Promise<{ suspended: boolean; deleted: boolean } | null> {
    const rows = await queryRows<{ suspended: boolean; deleted: boolean }>(
      this.db,
      `SELECT suspended_at IS NOT NULL AS suspended, deleted_at IS NOT NULL AS deleted FROM users WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  async isAdmin(id: string): Promise<boolean> {
    const rows = await queryRows(this.db, `SELECT 1 FROM users WHERE id = $1 AND is_admin AND deleted_at IS NULL AND suspended_at IS NULL`, [id]);
    return rows.length > 0;
  }

  async updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    await queryModified(this.db, `UPDATE users SET password_hash = $2 WHERE id = $1`, [id, passwordHash]);
  }

  /** Grants or revokes admin rights of an existing account: its id, or null when there is no such (not deleted) account. */
  async setAdmin(username: string, admin: boolean): Promise<string | null> {
    const { rows } = await queryModified<{ id: string }>(
      this.db,
      `UPDATE users SET is_admin = $2 WHERE lower(username) = lower($1) AND deleted_at IS NULL RETURNING id`,
      [username, admin],
    );
    return rows[0]?.id ?? null;
  }

  /** False when there is no such (not deleted) account. */
  async setSuspended(id: string, suspended: boolean): Promise<boolean> {
    const { count } = await queryModified(
      this.db,
      `UPDATE users SET suspended_at = CASE WHEN $2 THEN coalesce(suspended_at, now()) END WHERE id = $1 AND deleted_at IS NULL RETURNING id`,
      [id, suspended],
    );
    return count > 0;
  }

  /**
   * Deletes an account but keeps its row: messages and memberships keep their author. The password is
   * emptied (no hash verifies against it) and the display name erased; the username stays reserved, so
   * nobody can register it to pass for the former owner.
   */
  async markDeleted(id: string, displayName: string): Promise<boolean> {
    const { count } = await queryModified(
      this.db,
      `UPDATE users SET deleted_at = now(), password_hash = '', display_name = $2, is_admin = false WHERE id = $1 AND deleted_at IS NULL RETURNING id`,
      [id, displayName],
    );
    return count > 0;
  }

  /** Returns null when the username is taken (unique index on lower(username)). */
  async insert(username: string, displayName: string, passwordHash: string): Promise<UserRecord | null> {
    try {
      const rows = await queryRows<UserRow>(
        this.db,
        `INSERT INTO users (username, display_name, password_hash) VALUES ($1, $2, $3) RETURNING ${USER_COLUMNS}`,
        [username, displayName, passwordHash],
      );
      return toRecord(rows[0] as UserRow);
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  /** Prefix match on username or display name, case-insensitive, deleted accounts excluded, shortest usernames first. */
  /** Accounts by prefix, without those that blocked `callerId` (a block is invisible: the blocker is not found). */
  async searchByPrefix(callerId: string, prefix: string, limit: number): Promise<UserRecord[]> {
    const pattern = `${prefix.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = await queryRows<UserRow>(
      this.db,
      `SELECT ${USER_COLUMNS} FROM users
       WHERE (lower(username) LIKE $1 OR lower(display_name) LIKE $1) AND deleted_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM user_blocks b WHERE b.blocker_id = users.id AND b.blocked_id = $3)
       ORDER BY length(username), lower(username) LIMIT $2`,
      [pattern, limit, callerId],
    );
    return rows.map(toRecord);
  }
}
