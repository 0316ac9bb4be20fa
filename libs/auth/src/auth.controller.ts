import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, Public, RateLimit } from '@parley/common';
import type { AuthResult } from '@parley/contract';
import { AuthService } from './auth.service';
import { AuthResultDto, LoginDto, RefreshTokenDto, RegisterDto } from './dto';

@ApiTags('auth')
@Public()
@RateLimit('auth')
@ApiErrors('validation_failed', 'rate_limited')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  @ApiOperation({ summary: 'Create an account and start a session' })
  @ApiCreatedResponse({ type: AuthResultDto })
  @ApiErrors('username_taken')
  register(@Body() body: RegisterDto): Promise<AuthResult> {
    return this.auth.register(body.username, body.password, body.displayName);
  }

  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Start a session' })
  @ApiOkResponse({ type: AuthResultDto })
  @ApiErrors('invalid_credentials', 'forbidden')
  login(@Body() body: LoginDto): Promise<AuthResult> {
    return this.auth.login(body.username, body.password);
  }

  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Exchange a refresh token for a new pair',
    description:
      'A refresh token works once. Presenting an already-used one revokes its whole family (every session token descended from the same login): ' +
      'its sockets and streams end on every instance (`auth:revoked`, reason `refresh_token_reuse`). 401 also for a suspended or deleted account.',
  })
  @ApiOkResponse({ type: AuthResultDto })
  @ApiErrors('unauthorized')
  refresh(@Body() body: RefreshTokenDto): Promise<AuthResult> {
    return this.auth.refresh(body.refreshToken);
  }

  @Post('logout')
  @HttpCode(204)
  @ApiOperation({
    summary: 'End the session the refresh token belongs to',
    description: 'The session’s sockets and notification streams end at once, on every instance (`auth:revoked`, reason `logout`).',
  })
  @ApiNoContentResponse()
  logout(@Body() body: RefreshTokenDto): Promise<void> {
    return this.auth.logout(body.refreshToken);
  }
}
