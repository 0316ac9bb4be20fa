import { Injectable } from '@nestjs/common';
import { ApiError } from '@parley/common';
import { AppConfig } from '@parley/config';
import type { AuthUser } from '@parley/common';
import type { AuthResult, User } from '@parley/contract';
import { UsersService } from '@parley/users';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { PasswordHasher } from './password-hasher';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { Sessions } from './sessions';
import { TokenService } from './token.service';

function hashRefreshToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly sessions: Sessions,
    private readonly config: AppConfig,
  ) {}

  async register(username: string, password: string, displayName?: string): Promise<AuthResult> {
    const passwordHash = await this.hasher.hash(password);
    const user = await this.users.create(username, displayName ?? username, passwordHash);
    return this.issue(user, randomUUID());
  }

  /** Unknown user and wrong password are indistinguishable, in body and in timing. */
  async login(username: string, password: string): Promise<AuthResult> {
    const credentials = await this.users.findCredentials(username);
    const valid = await this.hasher.verify(credentials?.passwordHash, password);
    if (!credentials || !valid) throw new ApiError('invalid_credentials', 'Invalid username or password');
    if (credentials.suspended) throw ApiError.forbidden('This account is suspended');
    return this.issue(credentials.user, randomUUID());
  }

  /**
   * Rotation: a refresh token works once. Presenting one that was already used (or revoked) means it leaked,
   * so the whole family (every token descended from the same login) is revoked.
   */
  async refresh(refreshToken: string): Promise<AuthResult> {
    const tokenHash = hashRefreshToken(refreshToken);
    const consumed = await this.refreshTokens.consume(tokenHash);
    if (!consumed) {
      const reused = await this.refreshTokens.findFamilyByHash(tokenHash);
      if (reused) await this.sessions.endSession(reused.userId, reused.familyId, 'refresh_token_reuse');
      throw ApiError.unauthorized('Invalid refresh token');
    }
    // A suspended or deleted account's sessions were revoked; this closes the race with a refresh in flight.
    const user = await this.users.findById(consumed.userId);
    if (!user || (await this.users.status(user.id)) !== 'active') throw ApiError.unauthorized('Invalid refresh token');
    return this.issue(user, consumed.familyId);
  }

  /** Ends the session the token belongs to, on every instance; unknown tokens are ignored (logout is idempotent). */
  async logout(refreshToken: string): Promise<void> {
    const session = await this.refreshTokens.findFamilyByHash(hashRefreshToken(refreshToken));
    if (session) await this.sessions.endSession(session.userId, session.familyId, 'logout');
  }

  /** Needs the current password; every other session of the account ends, the caller's stays. */
  async changePassword(caller: AuthUser, currentPassword: string, newPassword: string): Promise<void> {
    await this.reauthenticate(caller, currentPassword);
    await this.users.setPasswordHash(caller.id, await this.hasher.hash(newPassword));
    await this.sessions.endAllSessions(caller.id, 'password_changed', caller.sessionId);
  }

  /** Needs the password; every session ends. Messages and memberships stay, shown as a deleted user. */
  async deleteAccount(caller: AuthUser, password: string): Promise<void> {
    await this.reauthenticate(caller, password);
    await this.users.markDeleted(caller.id);
    await this.sessions.endAllSessions(caller.id, 'account_deleted');
  }

  /** An admin's decision: the account cannot sign in, and every session ends on every instance. */
  async suspend(userId: string): Promise<void> {
    await this.users.setSuspended(userId, true);
    await this.sessions.endAllSessions(userId, 'account_suspended');
  }

  async unsuspend(userId: string): Promise<void> {
    await this.users.setSuspended(userId, false);
  }

  private async reauthenticate(caller: AuthUser, password: string): Promise<void> {
    const credentials = await this.users.findCredentialsById(caller.id);
    if (!(await this.hasher.verify(credentials?.passwordHash, password))) throw new ApiError('invalid_credentials', 'Wrong password');
  }

  private async issue(user: User, familyId: string): Promise<AuthResult> {
    const refreshToken = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.config.refreshTokenTtlSeconds * 1000);
    await this.refreshTokens.insert(user.id, familyId, hashRefreshToken(refreshToken), expiresAt);
    const accessToken = await this.tokens.signAccessToken(user, familyId);
    return { user, accessToken, refreshToken, expiresIn: this.config.accessTokenTtlSeconds };
  }
}
