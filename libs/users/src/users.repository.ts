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

  /** Case-insensitive; includes the password hash, for login only. */
  findCredentialsByUsername(username: string): Promise<UserEntity | null> {
    return this.users
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('lower(u.username) = lower(:username)', { username })
      .getOne();
  }

  findByUsernames(usernames: string[]): Promise<UserEntity[]> {
    if (usernames.length === 0) return Promise.resolve([]);
    const lowered = usernames.map((name) => name.toLowerCase());
    return this.users.createQueryBuilder('u').where('lower(u.username) IN (:...lowered)', { lowered }).getMany();
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
      .where('lower(u.username) LIKE :pattern OR lower(u.displayName) LIKE :pattern', { pattern })
      .orderBy('length(u.username)', 'ASC')
      .addOrderBy('lower(u.username)', 'ASC')
      .limit(limit)
      .getMany();
  }
}
