import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { ApiError, type AuthUser } from '@parley/common';
import { AppConfig } from '@parley/config';
import type { User } from '@parley/contract';

interface AccessClaims {
  sub: string;
  username: string;
  typ: 'access';
}

/** Signs and verifies access tokens (JWT). The one verifier used by HTTP, sockets and SSE alike. */
@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {}

  signAccessToken(user: User): Promise<string> {
    const claims: AccessClaims = { sub: user.id, username: user.username, typ: 'access' };
    return this.jwt.signAsync(claims, {
      algorithm: this.config.jwtAlgorithm,
      expiresIn: this.config.accessTokenTtlSeconds,
    });
  }

  /** Refuses expired, malformed, wrongly signed and `alg: none` tokens alike, with `unauthorized`. */
  async verifyAccessToken(token: unknown): Promise<AuthUser> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) throw ApiError.unauthorized();
    try {
      const claims = await this.jwt.verifyAsync<Partial<AccessClaims>>(token, { algorithms: [this.config.jwtAlgorithm] });
      return TokenService.toAuthUser(claims);
    } catch {
      throw ApiError.unauthorized('Invalid or expired access token');
    }
  }

  static toAuthUser(claims: Partial<AccessClaims>): AuthUser {
    if (claims.typ !== 'access' || typeof claims.sub !== 'string' || typeof claims.username !== 'string') {
      throw ApiError.unauthorized('Invalid access token');
    }
    return { id: claims.sub, username: claims.username };
  }
}
