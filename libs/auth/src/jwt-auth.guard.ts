import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiError, IS_PUBLIC_ROUTE, type AuthUser } from '@parley/common';
import type { IncomingMessage } from 'node:http';
import { Sessions } from './sessions';
import { JwtStrategy } from './jwt.strategy';

/**
 * Global guard: every route needs a valid access token unless marked `@Public()` (checked by passport-jwt,
 * JwtStrategy), and the token is accepted only while its account is active and its session live, like the
 * socket handshake and SSE (which verify with TokenService, the same rules).
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly strategy: JwtStrategy,
    private readonly sessions: Sessions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_ROUTE, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<IncomingMessage & { user?: AuthUser }>();
    const caller = await this.strategy.verify(request);
    if (!caller) throw ApiError.unauthorized('Invalid or missing access token');
    // A database failure here stays what it is (`unavailable`), not a refusal.
    if (!(await this.sessions.isLive(caller))) throw ApiError.unauthorized('Session ended or account unavailable');
    request.user = caller;
    return true;
  }
}
