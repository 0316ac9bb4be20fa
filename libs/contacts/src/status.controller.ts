import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiError, ApiErrors, CurrentUser, type AuthUser } from '@parley/common';
import type { UserStatus } from '@parley/contract';
import { UserIdParams } from '@parley/users';
import { SetStatusDto, UserStatusDto } from './dto';
import { UserStatuses } from './user-statuses';

@ApiTags('people')
@ApiBearerAuth()
@ApiErrors('unauthorized')
@Controller('users')
export class StatusController {
  constructor(private readonly statuses: UserStatuses) {}

  @Get('me/status')
  @ApiOperation({ summary: "The caller's own status, text and last seen time" })
  @ApiOkResponse({ type: UserStatusDto })
  mine(@CurrentUser() caller: AuthUser): Promise<UserStatus> {
    return this.statuses.statusOf(caller.id);
  }

  @Put('me/status')
  @ApiOperation({ summary: 'Set one\'s own status (online, away, busy) and/or status text; the watchers get a `status` event (same as the `status:set` socket event)' })
  @ApiOkResponse({ type: UserStatusDto })
  @ApiErrors('validation_failed')
  set(@CurrentUser() caller: AuthUser, @Body() body: SetStatusDto): Promise<UserStatus> {
    return this.statuses.set(caller.id, body);
  }

  @Get(':id/status')
  @ApiOperation({
    summary: "A user's status",
    description: 'Visible for oneself, contacts and users sharing a room with the caller; anyone else (and anyone who blocked the caller) is not_found.',
  })
  @ApiOkResponse({ type: UserStatusDto })
  @ApiErrors('validation_failed', 'not_found')
  async status(@CurrentUser() caller: AuthUser, @Param() params: UserIdParams): Promise<UserStatus> {
    if (!(await this.statuses.visibleAmong(caller.id, [params.id])).has(params.id)) throw ApiError.notFound('User');
    return this.statuses.statusOf(params.id);
  }
}
