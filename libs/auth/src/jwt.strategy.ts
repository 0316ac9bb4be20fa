import { Injectable } from '@nestjs/common';
import type { AuthUser } from '@parley/common';
import { AppConfig } from '@parley/config';
import type { IncomingMessage } from 'node:http';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { TokenService } from './token.service';

/** What passport's authenticate() adds to a strategy for one attempt (passport-jwt calls these). */
interface StrategyAttempt {
  success(user: AuthUser): void;
  fail(challenge?: unknown): void;
  error(error: unknown): void;
  authenticate(request: IncomingMessage, options?: object): void;
}

/**
 * passport-jwt verifies REST access tokens: `Authorization: Bearer <token>`, else `?token=` (EventSource
 * cannot set headers), signed with JWT_SECRET by JWT_ALGORITHM only, not expired, with our claims. It runs
 * once per request on this instance's own Strategy object rather than through passport's process-wide
 * registry (one strategy per name per process), so several instances in one process (the tests' clusters)
 * never verify with another instance's secret.
 */
@Injectable()
export class JwtStrategy {
  private readonly strategy: Strategy;

  constructor(config: AppConfig) {
    this.strategy = new Strategy(
      {
        jwtFromRequest: ExtractJwt.fromExtractors([ExtractJwt.fromAuthHeaderAsBearerToken(), ExtractJwt.fromUrlQueryParameter('token')]),
        secretOrKey: config.jwtKey.export(),
        algorithms: [config.jwtAlgorithm],
      },
      (claims: Record<string, unknown>, done: (error: unknown, user?: AuthUser | false) => void) => {
        try {
          done(null, TokenService.toAuthUser(claims));
        } catch {
          done(null, false);
        }
      },
    );
  }

  /** The caller of a valid token, or null (missing, malformed, expired, wrongly signed or wrong claims). */
  verify(request: IncomingMessage): Promise<AuthUser | null> {
    return new Promise((resolve, reject) => {
      const attempt = Object.create(this.strategy) as StrategyAttempt;
      attempt.success = (user) => resolve(user);
      attempt.fail = () => resolve(null);
      attempt.error = (error) => reject(error instanceof Error ? error : new Error(String(error)));
      attempt.authenticate(request);
    });
  }
}
