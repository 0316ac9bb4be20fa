import { Body, Controller, Delete, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, CurrentUser, RateLimit, type AuthUser } from '@parley/common';
import { AuthService } from './auth.service';
import { ChangePasswordDto, DeleteAccountDto } from './dto';

/** What the signed-in owner of an account may do to it; both ask for the password again. */
@ApiBearerAuth()
@RateLimit('auth')
@ApiErrors('unauthorized', 'invalid_credentials', 'validation_failed', 'rate_limited')
@Controller()
export class AccountController {
  constructor(private readonly auth: AuthService) {}

  @ApiTags('auth')
  @Post('auth/password')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Change the password',
    description:
      'Needs the current password. Every other session of the account ends at once, on every instance (their sockets and ' +
      'notification streams receive `auth:revoked` with reason `password_changed`); the caller’s session stays.',
  })
  @ApiNoContentResponse()
  changePassword(@CurrentUser() caller: AuthUser, @Body() body: ChangePasswordDto): Promise<void> {
    return this.auth.changePassword(caller, body.currentPassword, body.newPassword);
  }

  @ApiTags('users')
  @Delete('users/me')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete the caller’s account',
    description:
      'Needs the password. Every session ends (reason `account_deleted`). Messages and memberships stay; the author is shown as ' +
      '`{ id, username: "deleted", displayName: "Deleted user", deleted: true }`. The username stays reserved.',
  })
  @ApiNoContentResponse()
  deleteAccount(@CurrentUser() caller: AuthUser, @Body() body: DeleteAccountDto): Promise<void> {
    return this.auth.deleteAccount(caller, body.password);
  }
}
