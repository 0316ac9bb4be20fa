import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditPageDto, RoomAuditQuery } from '@parley/audit';
import { ApiErrors, CurrentUser, type AuthUser } from '@parley/common';
import type { AuditPage, Sanction } from '@parley/contract';
import { BanDto, MuteDto, RoomIdParams, RoomMemberParams, SanctionDto, SanctionsQuery } from './dto';
import { RoomModeration } from './room-moderation.service';

@ApiTags('moderation')
@ApiBearerAuth()
@ApiErrors('unauthorized', 'validation_failed', 'rate_limited', 'forbidden', 'not_found')
@Controller('rooms/:id')
export class ModerationController {
  constructor(private readonly moderation: RoomModeration) {}

  @Post('members/:userId/mute')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mute a member: no sends until it ends (owner, admin, moderator; only members they outrank)' })
  @ApiOkResponse({ type: SanctionDto })
  mute(@CurrentUser() caller: AuthUser, @Param() params: RoomMemberParams, @Body() body: MuteDto): Promise<Sanction> {
    return this.moderation.mute(caller.id, params.id, params.userId, body.durationSeconds ?? null, body.reason ?? '');
  }

  @Delete('members/:userId/mute')
  @HttpCode(204)
  @ApiOperation({ summary: 'End a mute' })
  @ApiNoContentResponse()
  unmute(@CurrentUser() caller: AuthUser, @Param() params: RoomMemberParams): Promise<void> {
    return this.moderation.unmute(caller.id, params.id, params.userId);
  }

  @Post('bans')
  @HttpCode(200)
  @ApiOperation({ summary: 'Ban a user: removed at once (their sockets leave the room on every instance) and kept out until it ends' })
  @ApiOkResponse({ type: SanctionDto })
  ban(@CurrentUser() caller: AuthUser, @Param() params: RoomIdParams, @Body() body: BanDto): Promise<Sanction> {
    return this.moderation.ban(caller.id, params.id, body.userId, body.durationSeconds ?? null, body.reason ?? '');
  }

  @Delete('bans/:userId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Lift a ban' })
  @ApiNoContentResponse()
  unban(@CurrentUser() caller: AuthUser, @Param() params: RoomMemberParams): Promise<void> {
    return this.moderation.unban(caller.id, params.id, params.userId);
  }

  @Get('sanctions')
  @ApiOperation({ summary: 'Mutes and bans in force (owner, admin, moderator)' })
  @ApiOkResponse({ type: [SanctionDto] })
  sanctions(@CurrentUser() caller: AuthUser, @Param() params: RoomIdParams, @Query() query: SanctionsQuery): Promise<Sanction[]> {
    return this.moderation.listSanctions(caller.id, params.id, query.kind ?? null);
  }

  @Get('audit')
  @ApiOperation({ summary: "The room's moderation log, newest first (owner, admin)" })
  @ApiOkResponse({ type: AuditPageDto })
  audit(@CurrentUser() caller: AuthUser, @Param() params: RoomIdParams, @Query() query: RoomAuditQuery): Promise<AuditPage> {
    return this.moderation.roomAudit(caller.id, params.id, { ...query, limit: query.limit ?? 50 });
  }
}
