import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, CurrentUser, type AuthUser } from '@parley/common';
import type { Conversation, ConversationPage, Room, UnreadTotals } from '@parley/contract';
import type { Response } from 'express';
import { AddToGroupDmDto, ConversationDto, ConversationPageDto, ConversationsQuery, GroupDmDto, MarkUnreadDto, UnreadTotalsDto, UpdateConversationDto } from './conversations.dto';
import { ConversationsService } from './conversations.service';
import { RoomDto, RoomIdParams } from './dto';
import { RoomsService } from './rooms.service';

/** The conversation list, its totals, the per-member settings and group DMs (contract §3a). */
@ApiTags('conversations')
@ApiBearerAuth()
@ApiErrors('unauthorized', 'validation_failed', 'rate_limited')
@Controller()
export class ConversationsController {
  constructor(
    private readonly conversations: ConversationsService,
    private readonly rooms: RoomsService,
  ) {}

  @Get('conversations')
  @ApiOperation({ summary: "The caller's rooms and DMs by last activity, with previews, unread and mention counts; archived ones with archived=true" })
  @ApiOkResponse({ type: ConversationPageDto })
  list(@CurrentUser() caller: AuthUser, @Query() query: ConversationsQuery): Promise<ConversationPage> {
    return this.conversations.list(caller.id, { limit: query.limit, cursor: query.cursor, archived: query.archived === 'true' });
  }

  @Get('conversations/:id')
  @ApiOperation({ summary: 'One conversation of the caller (the room id)' })
  @ApiOkResponse({ type: ConversationDto })
  @ApiErrors('forbidden', 'not_found')
  get(@CurrentUser() caller: AuthUser, @Param() params: RoomIdParams): Promise<Conversation> {
    return this.conversations.get(caller.id, params.id);
  }

  @Patch('conversations/:id')
  @ApiOperation({ summary: "The caller's own settings: notificationsMuted (no notifications from it), archived (hidden until its next message)" })
  @ApiOkResponse({ type: ConversationDto })
  @ApiErrors('forbidden', 'not_found')
  update(@CurrentUser() caller: AuthUser, @Param() params: RoomIdParams, @Body() body: UpdateConversationDto): Promise<Conversation> {
    return this.conversations.update(caller.id, params.id, body);
  }

  @Post('rooms/:id/unread')
  @HttpCode(204)
  @ApiOperation({ summary: 'Mark as unread: the message seq and every later one become unread (the read marker moves back, never forward)' })
  @ApiNoContentResponse()
  @ApiErrors('forbidden', 'not_found')
  markUnread(@CurrentUser() caller: AuthUser, @Param() params: RoomIdParams, @Body() body: MarkUnreadDto): Promise<void> {
    return this.conversations.markUnread(caller.id, params.id, body.seq);
  }

  @Get('me/unread')
  @ApiOperation({ summary: 'Unread messages, unread mentions and conversations with unread messages; conversations with notificationsMuted are left out' })
  @ApiOkResponse({ type: UnreadTotalsDto })
  unread(@CurrentUser() caller: AuthUser): Promise<UnreadTotals> {
    return this.conversations.unreadTotals(caller.id);
  }

  @Post('group-dms')
  @ApiOperation({ summary: 'Open the group DM of the caller and 2–8 other people (the same room for the same set, even on concurrent calls)' })
  @ApiCreatedResponse({ type: RoomDto, description: 'Created now' })
  @ApiOkResponse({ type: RoomDto, description: 'Already existed' })
  @ApiErrors('not_found')
  async openGroupDm(@CurrentUser() caller: AuthUser, @Body() body: GroupDmDto, @Res({ passthrough: true }) response: Response): Promise<Room> {
    const { room, created } = await this.rooms.openGroupDm(caller.id, body.userIds);
    response.status(created ? 201 : 200);
    return room;
  }

  @Post('group-dms/:id/add')
  @ApiOperation({ summary: 'Add people to a group DM: opens the group DM of the new set (this one stays as it is)' })
  @ApiCreatedResponse({ type: RoomDto, description: 'Created now' })
  @ApiOkResponse({ type: RoomDto, description: 'The new set had a group DM already' })
  @ApiErrors('forbidden', 'not_found')
  async addToGroupDm(
    @CurrentUser() caller: AuthUser,
    @Param() params: RoomIdParams,
    @Body() body: AddToGroupDmDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<Room> {
    const { room, created } = await this.rooms.addToGroupDm(caller.id, params.id, body.userIds);
    response.status(created ? 201 : 200);
    return room;
  }
}
