import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, CurrentUser, type AuthUser } from '@parley/common';
import type { Message, MessageChanges, MessagePage, MessagePageAround, MessageVersion, ReactionResult, Report } from '@parley/contract';
import { RoomIdParams } from '@parley/rooms';
import { UsersService } from '@parley/users';
import { ChangesQuery, EditMessageDto, MessagePageDto, RepliesQuery, MessageChangesDto, HistoryQuery, MessageDto, MessagePageAroundDto, MessageParams, MessageVersionDto, ReactDto, ReactionResultDto, ReportDto, ReportMessageDto, SendMessageDto, sendOptionsOf } from './dto';
import { MessagesService } from './messages.service';

@ApiTags('messages')
@ApiBearerAuth()
@ApiErrors('unauthorized', 'validation_failed', 'not_found', 'rate_limited')
@Controller('rooms/:id/messages')
export class MessagesController {
  constructor(
    private readonly messages: MessagesService,
    private readonly users: UsersService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'History page, ordered by seq ascending',
    description:
      'Default: the newest `limit` (50, max 200). `before=S`: newest page with seq < S. `after=S`: oldest page with seq > S. ' +
      '`around=S`: the page centred on S (a search hit), with `hasMoreBefore` and `hasMoreAfter`.',
  })
  @ApiOkResponse({ type: MessagePageAroundDto, description: 'A MessagePage; `hasMoreBefore` and `hasMoreAfter` only with `around`' })
  history(@CurrentUser() caller: AuthUser, @Param() params: RoomIdParams, @Query() query: HistoryQuery): Promise<MessagePage | MessagePageAround> {
    return this.messages.history(caller.id, params.id, query);
  }

  @Get('changes')
  @ApiOperation({
    summary: 'Messages changed (edited, deleted, reactions) after a change version, oldest change first',
    description: 'What a client that was away missed about messages it already had. Sends do not move the version: new messages are read by seq.',
  })
  @ApiOkResponse({ type: MessageChangesDto })
  changes(@CurrentUser() caller: AuthUser, @Param() params: RoomIdParams, @Query() query: ChangesQuery): Promise<MessageChanges> {
    return this.messages.changes(caller.id, params.id, query.sinceVersion, query.limit);
  }

  @Post()
  @ApiOperation({ summary: 'Send a message (same pipeline as `message:send`: committed, then broadcast)' })
  @ApiCreatedResponse({ type: MessageDto })
  @ApiErrors('forbidden')
  send(@CurrentUser() caller: AuthUser, @Param() params: RoomIdParams, @Body() body: SendMessageDto): Promise<Message> {
    return this.messages.sendAs(caller, params.id, body.content, sendOptionsOf(body));
  }

  @Patch(':messageId')
  @ApiOperation({ summary: 'Edit own message' })
  @ApiOkResponse({ type: MessageDto })
  @ApiErrors('forbidden', 'conflict')
  edit(@CurrentUser() caller: AuthUser, @Param() params: MessageParams, @Body() body: EditMessageDto): Promise<Message> {
    return this.messages.edit(caller.id, params.messageId, body.content, params.id);
  }

  @Get(':messageId/replies')
  @ApiOperation({
    summary: 'A page of the thread a message starts, ordered by seq ascending (same access as history)',
    description:
      'Threads are flat: every reply to the message, or to one of its replies, is in its thread. Default: the newest `limit` (50, max 200); ' +
      '`before=S`: newest replies with seq < S; `after=S`: oldest replies with seq > S. Deleted replies stay, as in history. ' +
      '404 for a message not in the room, and for private rooms the caller is not in.',
  })
  @ApiOkResponse({ type: MessagePageDto })
  replies(@CurrentUser() caller: AuthUser, @Param() params: MessageParams, @Query() query: RepliesQuery): Promise<MessagePage> {
    return this.messages.replies(caller.id, params.id, params.messageId, query);
  }

  @Get(':messageId/edits')
  @ApiOperation({
    summary: 'Edit history: the texts the message had before each edit, oldest first (members)',
    description: 'Empty for a message never edited, and for a deleted one: deleting removes the history with the text.',
  })
  @ApiOkResponse({ type: MessageVersionDto, isArray: true })
  @ApiErrors('forbidden')
  edits(@CurrentUser() caller: AuthUser, @Param() params: MessageParams): Promise<MessageVersion[]> {
    return this.messages.versions(caller.id, params.messageId, params.id);
  }

  @Post(':messageId/reactions')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Put an emoji on a message or take it off (members who may post)',
    description: '`on` sets it either way; without it, toggles. `message:reactions` goes to the room when it changed. At most 20 different emoji per message.',
  })
  @ApiOkResponse({ type: ReactionResultDto })
  @ApiErrors('forbidden', 'conflict')
  async react(@CurrentUser() caller: AuthUser, @Param() params: MessageParams, @Body() body: ReactDto): Promise<ReactionResult> {
    return this.messages.react(await this.users.getById(caller.id), params.messageId, body.emoji, body.on, params.id);
  }

  @Delete(':messageId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a message (soft: id and seq stay, content becomes ""): its author, or the room\'s owner, admins and moderators (audited)' })
  @ApiNoContentResponse()
  @ApiErrors('forbidden')
  remove(@CurrentUser() caller: AuthUser, @Param() params: MessageParams): Promise<void> {
    return this.messages.delete(caller.id, params.messageId, params.id);
  }

  @Post(':messageId/report')
  @ApiOperation({ summary: 'Report a message to the site admins (members; once per message, a repeat returns the first report)' })
  @ApiCreatedResponse({ type: ReportDto })
  @ApiErrors('forbidden', 'conflict')
  report(@CurrentUser() caller: AuthUser, @Param() params: MessageParams, @Body() body: ReportMessageDto): Promise<Report> {
    return this.messages.report(caller.id, params.id, params.messageId, body.reason);
  }
}
