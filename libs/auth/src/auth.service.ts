import { Injectable } from '@nestjs/common';
import { ApiError } from '@parley/common';
import { AppConfig } from '@parley/config';
import type { AuthResult, User } from '@parley/contract';
import { UsersService } from '@parley/users';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { PasswordHasher } from './password-hasher';
import { RefreshTokensRepository } from './refresh-tokens.repository';
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
      const familyId = await this.refreshTokens.findFamilyByHash(tokenHash);
      if (familyId) await this.refreshTokens.revokeFamily(familyId);
      throw ApiError.unauthorized('Invalid refresh token');
    }
    const user = await this.users.findById(consumed.userId);
    if (!user) throw ApiError.unauthorized('Invalid refresh token');
    return this.issue(user, consumed.familyId);
  }

  /** Ends the session the token belongs to; unknown tokens are ignored (logout is idempotent). */
  async logout(refreshToken: string): Promise<void> {
    const familyId = await this.refreshTokens.findFamilyByHash(hashRefreshToken(refreshToken));
    if (familyId) await this.refreshTokens.revokeFamily(familyId);
  }

  private async issue(user: User, familyId: string): Promise<AuthResult> {
    const refreshToken = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.config.refreshTokenTtlSeconds * 1000);
    await this.refreshTokens.insert(user.id, familyId, hashRefreshToken(refreshToken), expiresAt);
    const accessToken = await this.tokens.signAccessToken(user);
    return { user, accessToken, refreshToken, expiresIn: this.config.accessTokenTtlSeconds };
  }
}
