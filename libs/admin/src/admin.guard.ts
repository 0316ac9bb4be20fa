import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ApiError, type AuthUser } from '@parley/common';
import { UsersService } from '@parley/users';

/**
 * Admins are accounts granted the right by an operator (`npm run admin -- grant USERNAME`), read from the
 * database on each admin request (a grant or revoke applies at once); anyone else gets 403.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(private readonly users: UsersService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const user = context.switchToHttp().getRequest<{ user?: AuthUser }>().user;
    if (!user) throw ApiError.unauthorized();
    if (!(await this.users.isAdmin(user.id))) throw ApiError.forbidden('Admins only');
    return true;
  }
}
