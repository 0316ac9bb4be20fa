import { Injectable } from '@nestjs/common';
import { ApiError } from '@parley/common';
import type { User } from '@parley/contract';
import { UsersRepository, type UserRecord } from './users.repository';

export function toUser(entity: UserRecord): User {
  return {
    id: entity.id,
    username: entity.username,
    displayName: entity.displayName,
    createdAt: entity.createdAt.toISOString(),
  };
}

export interface UserCredentials {
  user: User;
  passwordHash: string;
}

@Injectable()
export class UsersService {
  constructor(private readonly repository: UsersRepository) {}

  async getById(id: string): Promise<User> {
    const entity = await this.repository.findById(id);
    if (!entity) throw ApiError.notFound('User');
    return toUser(entity);
  }

  async findById(id: string): Promise<User | null> {
    const entity = await this.repository.findById(id);
    return entity ? toUser(entity) : null;
  }

  async findByIds(ids: string[]): Promise<User[]> {
    return (await this.repository.findByIds([...new Set(ids)])).map(toUser);
  }

  async findByUsernames(usernames: string[]): Promise<User[]> {
    return (await this.repository.findByUsernames([...new Set(usernames)])).map(toUser);
  }

  async findCredentials(username: string): Promise<UserCredentials | null> {
    const entity = await this.repository.findCredentialsByUsername(username);
    return entity ? { user: toUser(entity), passwordHash: entity.passwordHash } : null;
  }

  async create(username: string, displayName: string, passwordHash: string): Promise<User> {
    const entity = await this.repository.insert(username, displayName, passwordHash);
    if (!entity) throw new ApiError('username_taken', 'This username is already taken');
    return toUser(entity);
  }

  async search(prefix: string, limit: number): Promise<User[]> {
    return (await this.repository.searchByPrefix(prefix, limit)).map(toUser);
  }
}
