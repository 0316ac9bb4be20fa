import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ApiError, type AuthUser } from '@parley/common';
import { AppConfig } from '@parley/config';

/** Admins are the users named in ADMIN_USERNAMES (case-insensitive); anyone else gets 403. */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const user = context.switchToHttp().getRequest<{ user?: AuthUser }>().user;
    if (!user) throw ApiError.unauthorized();
    if (!this.config.adminUsernames.includes(user.username.toLowerCase())) throw ApiError.forbidden('Admins only');
    return true;
  }
}
