import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { ApiError, IS_PUBLIC_ROUTE } from '@parley/common';
import type { Observable } from 'rxjs';

/** Global guard: every route needs a valid access token unless marked `@Public()`. */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext): boolean | Promise<boolean> | Observable<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_ROUTE, [context.getHandler(), context.getClass()]);
    return isPublic ? true : super.canActivate(context);
  }

  /** A refusal is `unauthorized`; a failure to check (database away) stays what it is (`unavailable`). */
  override handleRequest<T>(error: unknown, user: T | false): T {
    if (error instanceof ApiError) throw error;
    if (error) throw error as Error;
    if (!user) throw ApiError.unauthorized('Invalid or missing access token');
    return user;
  }
}
