import { Injectable } from '@nestjs/common';
import { ApiError } from '@parley/common';
import type { User } from '@parley/contract';
import { DELETED_DISPLAY_NAME, userView } from './user-view';
import { UsersRepository, type UserRecord } from './users.repository';

export function toUser(record: UserRecord): User {
  return userView(record);
}

/** Whether an account may act: `unknown` also covers an id that is not a UUID. */
export type AccountStatus = 'active' | 'suspended' | 'deleted' | 'unknown';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface UserCredentials {
  user: User;
  passwordHash: string;
  suspended: boolean;
}

@Injectable()
export class UsersService {
  constructor(private readonly repository: UsersRepository) {}

  async getById(id: string): Promise<User> {
    const record = await this.repository.findById(id);
    if (!record) throw ApiError.notFound('User');
    return toUser(record);
  }

  async findById(id: string): Promise<User | null> {
    const record = await this.repository.findById(id);
    return record ? toUser(record) : null;
  }

  async findByIds(ids: string[]): Promise<User[]> {
    return (await this.repository.findByIds([...new Set(ids)])).map(toUser);
  }

  async findByUsernames(usernames: string[]): Promise<User[]> {
    return (await this.repository.findByUsernames([...new Set(usernames)])).map(toUser);
  }

  async findCredentials(username: string): Promise<UserCredentials | null> {
    const record = await this.repository.findCredentialsByUsername(username);
    return record ? { user: toUser(record), passwordHash: record.passwordHash, suspended: record.suspended } : null;
  }

  async findCredentialsById(id: string): Promise<UserCredentials | null> {
    const record = await this.repository.findCredentialsById(id);
    return record ? { user: toUser(record), passwordHash: record.passwordHash, suspended: record.suspended } : null;
  }

  async status(id: string): Promise<AccountStatus> {
    if (!UUID.test(id)) return 'unknown';
    const state = await this.repository.findState(id);
    if (!state) return 'unknown';
    if (state.deleted) return 'deleted';
    return state.suspended ? 'suspended' : 'active';
  }

  isAdmin(id: string): Promise<boolean> {
    return UUID.test(id) ? this.repository.isAdmin(id) : Promise.resolve(false);
  }

  setPasswordHash(id: string, passwordHash: string): Promise<void> {
    return this.repository.updatePasswordHash(id, passwordHash);
  }

  /** Existing accounts only: false when no (not deleted) account has this username. */
  /** The account's id, or null when there is no such account. */
  setAdmin(username: string, admin: boolean): Promise<string | null> {
    return this.repository.setAdmin(username, admin);
  }

  async setSuspended(id: string, suspended: boolean): Promise<void> {
    if (!UUID.test(id) || !(await this.repository.setSuspended(id, suspended))) throw ApiError.notFound('User');
  }

  async markDeleted(id: string): Promise<void> {
    if (!(await this.repository.markDeleted(id, DELETED_DISPLAY_NAME))) throw ApiError.notFound('User');
  }

  async create(username: string, displayName: string, passwordHash: string): Promise<User> {
    const record = await this.repository.insert(username, displayName, passwordHash);
    if (!record) throw new ApiError('username_taken', 'This username is already taken');
    return toUser(record);
  }

  async search(callerId: string, prefix: string, limit: number): Promise<User[]> {
    return (await this.repository.searchByPrefix(callerId, prefix, limit)).map(toUser);
  }
}
