import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ApiError, type AuthUser } from '@parley/common';
import { AppConfig } from '@parley/config';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { Sessions } from './sessions';
import { TokenService } from './token.service';

/**
 * passport-jwt for HTTP: Bearer header, or `?token=` (EventSource cannot set headers). A verified token is
 * accepted only while its account is active and its session live, like the socket handshake.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    config: AppConfig,
    private readonly sessions: Sessions,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromExtractors([
        ExtractJwt.fromAuthHeaderAsBearerToken(),
        ExtractJwt.fromUrlQueryParameter('token'),
      ]),
      // The prepared key object (see AppConfig.jwtKey); passport-jwt hands it to jsonwebtoken as it is,
      // though its types only name strings and buffers.
      secretOrKeyProvider: (_request: unknown, _token: unknown, done: (error: null, key: Buffer) => void) => done(null, config.jwtKey as unknown as Buffer),
      algorithms: [config.jwtAlgorithm],
      ignoreExpiration: false,
    });
  }

  async validate(claims: Record<string, unknown>): Promise<AuthUser> {
    const caller = TokenService.toAuthUser(claims);
    if (!(await this.sessions.isLive(caller))) throw ApiError.unauthorized('Session ended or account unavailable');
    return caller;
  }
}
