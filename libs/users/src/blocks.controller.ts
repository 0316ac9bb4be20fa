import { Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, CurrentUser, type AuthUser } from '@parley/common';
import type { BlockedUser } from '@parley/contract';
import { BlockedUserDto, UserIdParams } from './dto';
import { Blocks } from './blocks.service';

@ApiTags('users')
@ApiBearerAuth()
@ApiErrors('unauthorized')
@Controller('users')
export class BlocksController {
  constructor(private readonly blocks: Blocks) {}

  @Get('me/blocks')
  @ApiOperation({ summary: 'The users the caller blocked, newest first' })
  @ApiOkResponse({ type: BlockedUserDto, isArray: true })
  list(@CurrentUser() caller: AuthUser): Promise<BlockedUser[]> {
    return this.blocks.listBlocked(caller.id);
  }

  @Post(':id/block')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Block a user (idempotent)',
    description:
      'The blocked user can no longer open a direct room with the caller or add them to a room (both answer not_found), ' +
      "mention or notify them, and the caller no longer sees their typing or they the caller's status. The blocked user is never told.",
  })
  @ApiNoContentResponse({ description: 'Blocked (or already blocked)' })
  @ApiErrors('validation_failed', 'not_found')
  async block(@CurrentUser() caller: AuthUser, @Param() params: UserIdParams): Promise<void> {
    await this.blocks.block(caller.id, params.id);
  }

  @Delete(':id/block')
  @HttpCode(204)
  @ApiOperation({ summary: 'Lift a block (idempotent)' })
  @ApiNoContentResponse({ description: 'Not blocked (any more)' })
  @ApiErrors('validation_failed')
  async unblock(@CurrentUser() caller: AuthUser, @Param() params: UserIdParams): Promise<void> {
    await this.blocks.unblock(caller.id, params.id);
  }
}
