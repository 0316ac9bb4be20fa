import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiError, IS_PUBLIC_ROUTE, type AuthUser } from '@parley/common';
import { Sessions } from './sessions';
import { TokenService } from './token.service';

interface AuthenticatedRequest {
  headers: { authorization?: string };
  query: Record<string, unknown>;
  user?: AuthUser;
}

/** `Authorization: Bearer <token>`, else `?token=` (EventSource cannot set headers). */
function accessTokenOf(request: AuthenticatedRequest): string | undefined {
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  if (match) return match[1];
  return typeof request.query.token === 'string' ? request.query.token : undefined;
}

/**
 * Global guard: every route needs a valid access token unless marked `@Public()`, and the token is accepted only
 * while its account is active and its session live, like the socket handshake. The same TokenService verifies
 * HTTP, sockets and SSE. (It is not a passport strategy: passport keeps one strategy per name for the whole
 * process, which several in-process instances would share.)
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
    private readonly sessions: Sessions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_ROUTE, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    let caller: AuthUser;
    try {
      caller = await this.tokens.verifyAccessToken(accessTokenOf(request));
    } catch {
      throw ApiError.unauthorized('Invalid or missing access token');
    }
    // A database failure here stays what it is (`unavailable`), not a refusal.
    if (!(await this.sessions.isLive(caller))) throw ApiError.unauthorized('Session ended or account unavailable');
    request.user = caller;
    return true;
  }
}
