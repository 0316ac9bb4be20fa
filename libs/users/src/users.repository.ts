import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isUniqueViolation, queryRows } from '@parley/database';
import { DataSource } from 'typeorm';

/** A user row; `passwordHash` only where a method says it reads it. */
export interface UserRecord {
  id: string;
  username: string;
  displayName: string;
  createdAt: Date;
}

interface UserRow {
  id: string;
  username: string;
  display_name: string;
  created_at: Date;
}

const USER_COLUMNS = 'id, username, display_name, created_at';

function toRecord(row: UserRow): UserRecord {
  return { id: row.id, username: row.username, displayName: row.display_name, createdAt: row.created_at };
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

  /** Case-insensitive; includes the password hash, for login only. */
  async findCredentialsByUsername(username: string): Promise<(UserRecord & { passwordHash: string }) | null> {
    const rows = await queryRows<UserRow & { password_hash: string }>(
      this.db,
      `SELECT ${USER_COLUMNS}, password_hash FROM users WHERE lower(username) = lower($1)`,
      [username],
    );
    const row = rows[0];
    return row ? { ...toRecord(row), passwordHash: row.password_hash } : null;
  }

  async findByUsernames(usernames: string[]): Promise<UserRecord[]> {
    if (usernames.length === 0) return [];
    const lowered = usernames.map((name) => name.toLowerCase());
    const rows = await queryRows<UserRow>(this.db, `SELECT ${USER_COLUMNS} FROM users WHERE lower(username) = ANY($1::text[])`, [lowered]);
    return rows.map(toRecord);
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

  /** Prefix match on username or display name, case-insensitive, shortest usernames first. */
  async searchByPrefix(prefix: string, limit: number): Promise<UserRecord[]> {
    const pattern = `${prefix.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = await queryRows<UserRow>(
      this.db,
      `SELECT ${USER_COLUMNS} FROM users
       WHERE lower(username) LIKE $1 OR lower(display_name) LIKE $1
       ORDER BY length(username), lower(username) LIMIT $2`,
      [pattern, limit],
    );
    return rows.map(toRecord);
  }
}
