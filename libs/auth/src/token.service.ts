import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { ApiError, type AuthUser } from '@parley/common';
import { AppConfig } from '@parley/config';
import type { User } from '@parley/contract';

interface AccessClaims {
  sub: string;
  username: string;
  typ: 'access';
  /** Session id: the refresh-token family the token was issued with (revoking it ends the token). */
  sid: string;
  exp: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Signs and verifies access tokens (JWT). The one verifier used by HTTP, sockets and SSE alike. */
@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {}

  signAccessToken(user: User, sessionId: string): Promise<string> {
    const claims: Omit<AccessClaims, 'exp'> = { sub: user.id, username: user.username, typ: 'access', sid: sessionId };
    return this.jwt.signAsync(claims, {
      algorithm: this.config.jwtAlgorithm,
      expiresIn: this.config.accessTokenTtlSeconds,
    });
  }

  /**
   * Refuses expired, malformed, wrongly signed and `alg: none` tokens alike, with `unauthorized`. Checks the
   * token only: whether its account and session are still live is Sessions.isLive.
   */
  async verifyAccessToken(token: unknown): Promise<AuthUser> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) throw ApiError.unauthorized();
    try {
      const claims = await this.jwt.verifyAsync<Partial<AccessClaims>>(token, { algorithms: [this.config.jwtAlgorithm] });
      return TokenService.toAuthUser(claims);
    } catch {
      throw ApiError.unauthorized('Invalid or expired access token');
    }
  }

  /** Ids are UUIDs (anything else would reach the database as a malformed value). */
  static toAuthUser(claims: Partial<AccessClaims>): AuthUser {
    if (
      claims.typ !== 'access' ||
      typeof claims.sub !== 'string' ||
      !UUID.test(claims.sub) ||
      typeof claims.sid !== 'string' ||
      !UUID.test(claims.sid) ||
      typeof claims.username !== 'string' ||
      typeof claims.exp !== 'number'
    ) {
      throw ApiError.unauthorized('Invalid access token');
    }
    return { id: claims.sub, username: claims.username, sessionId: claims.sid, expiresAt: claims.exp * 1000 };
  }
}
