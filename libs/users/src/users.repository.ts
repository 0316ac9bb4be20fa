import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { UserEntity } from './user.entity';

const UNIQUE_VIOLATION = '23505';

/** Persistence of users; private to the users module. */
@Injectable()
export class UsersRepository {
  constructor(@InjectRepository(UserEntity) private readonly users: Repository<UserEntity>) {}

  findById(id: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }

  findByIds(ids: string[]): Promise<UserEntity[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.users.createQueryBuilder('u').where('u.id IN (:...ids)', { ids }).getMany();
  }

  /** Case-insensitive, deleted accounts excluded; includes the password hash, for login only. */
  findCredentialsByUsername(username: string): Promise<UserEntity | null> {
    return this.users
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('lower(u.username) = lower(:username) AND u.deleted_at IS NULL', { username })
      .getOne();
  }

  /** Includes the password hash, for re-authentication (password change, account deletion). */
  findCredentialsById(id: string): Promise<UserEntity | null> {
    return this.users.createQueryBuilder('u').addSelect('u.passwordHash').where('u.id = :id AND u.deleted_at IS NULL', { id }).getOne();
  }

  /** Deleted accounts excluded (they cannot be mentioned or found). */
  findByUsernames(usernames: string[]): Promise<UserEntity[]> {
    if (usernames.length === 0) return Promise.resolve([]);
    const lowered = usernames.map((name) => name.toLowerCase());
    return this.users.createQueryBuilder('u').where('lower(u.username) IN (:...lowered) AND u.deleted_at IS NULL', { lowered }).getMany();
  }

  /** Null for an unknown id; `id` must be a UUID. */
  async findState(id: string): Promise<{ suspended: boolean; deleted: boolean } | null> {
    const rows = await this.users.query<Array<{ suspended: boolean; deleted: boolean }>>(
      `SELECT suspended_at IS NOT NULL AS suspended, deleted_at IS NOT NULL AS deleted FROM users WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  async isAdmin(id: string): Promise<boolean> {
    const rows = await this.users.query<unknown[]>(`SELECT 1 FROM users WHERE id = $1 AND is_admin AND deleted_at IS NULL AND suspended_at IS NULL`, [id]);
    return rows.length > 0;
  }

  async updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.users.update({ id }, { passwordHash });
  }

  /** Grants or revokes admin rights of an existing, not deleted account; false when there is none. */
  /** The account's id, or null when there is no such (not deleted) account. */
  async setAdmin(username: string, admin: boolean): Promise<string | null> {
    const rows = await this.users.query<[Array<{ id: string }>, number]>(
      `UPDATE users SET is_admin = $2 WHERE lower(username) = lower($1) AND deleted_at IS NULL RETURNING id`,
      [username, admin],
    );
    return rows[0][0]?.id ?? null;
  }

  /** False when there is no such (not deleted) account. */
  async setSuspended(id: string, suspended: boolean): Promise<boolean> {
    const rows = await this.users.query<[unknown[], number]>(
      `UPDATE users SET suspended_at = CASE WHEN $2 THEN coalesce(suspended_at, now()) END WHERE id = $1 AND deleted_at IS NULL RETURNING id`,
      [id, suspended],
    );
    return rows[1] > 0;
  }

  /**
   * Deletes an account but keeps its row: messages and memberships keep their author. The password is
   * emptied (no hash verifies against it) and the display name erased; the username stays reserved, so
   * nobody can register it to pass for the former owner.
   */
  async markDeleted(id: string, displayName: string): Promise<boolean> {
    const rows = await this.users.query<[unknown[], number]>(
      `UPDATE users SET deleted_at = now(), password_hash = '', display_name = $2, is_admin = false WHERE id = $1 AND deleted_at IS NULL RETURNING id`,
      [id, displayName],
    );
    return rows[1] > 0;
  }

  /** Returns null when the username is taken (unique index on lower(username)). */
  async insert(username: string, displayName: string, passwordHash: string): Promise<UserEntity | null> {
    try {
      const result = await this.users
        .createQueryBuilder()
        .insert()
        .values({ username, displayName, passwordHash })
        .returning(['id', 'username', 'displayName', 'createdAt'])
        .execute();
      const row = result.generatedMaps[0] as Partial<UserEntity>;
      return this.users.create({ ...row, username, displayName });
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) return null;
      throw error;
    }
  }

  /** Prefix match on username or display name, case-insensitive, shortest usernames first. */
  searchByPrefix(prefix: string, limit: number): Promise<UserEntity[]> {
    const pattern = `${prefix.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return this.users
      .createQueryBuilder('u')
      .where('(lower(u.username) LIKE :pattern OR lower(u.displayName) LIKE :pattern) AND u.deleted_at IS NULL', { pattern })
      .orderBy('length(u.username)', 'ASC')
      .addOrderBy('lower(u.username)', 'ASC')
      .limit(limit)
      .getMany();
  }
}
