import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors, CurrentUser, type AuthUser } from '@parley/common';
import type { Member, Room } from '@parley/contract';
import {
  CreateRoomDto,
  ListRoomsQuery,
  MarkReadDto,
  MemberDto,
  RoomDto,
  RoomIdParams,
  RoomMemberParams,
  SetRoleDto,
  UpdateRoomDto,
  UserIdDto,
} from './dto';
import { RoomModeration } from './room-moderation.service';
import { RoomsService } from './rooms.service';

@ApiTags('rooms')
@ApiBearerAuth()
@ApiErrors('unauthorized', 'validation_failed', 'rate_limited')
@Controller('rooms')
export class RoomsController {
  constructor(
    private readonly rooms: RoomsService,
    private readonly moderation: RoomModeration,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create a group room; the caller becomes its owner' })
  @ApiCreatedResponse({ type: RoomDto })
  @ApiErrors('room_name_taken')
  create(@CurrentUser() caller: AuthUser, @Body() body: CreateRoomDto): Promise<Room> {
    return this.rooms.createRoom(caller.id, body.name, body.description ?? '', body.visibility ?? 'public');
  }

  @Get()
  @ApiOperation({ summary: 'Public rooms plus private rooms the caller is in; `joined=true`: only the caller\'s rooms' })
  @ApiOkResponse({ type: RoomDto, isArray: true })
  list(@CurrentUser() caller: AuthUser, @Query() query: ListRoomsQuery): Promise<Room[]> {
    return this.rooms.listRooms(caller.id, query.joined === 'true');
  }

  @Get(':id')
  @ApiOperation({ summary: 'One room (404 for a private room the caller is not in)' })
  @ApiOkResponse({ type: RoomDto })
  @ApiErrors('not_found')
  get(@CurrentUser() caller: AuthUser, @Param() params: RoomIdParams): Promise<Room> {
    return this.rooms.getRoom(caller.id, params.id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename or describe a room (owner/admin)' })
  @ApiOkResponse({ type: RoomDto })
  @ApiErrors('forbidden', 'not_found', 'room_name_taken')
  update(@CurrentUser() caller: AuthUser, @Param() params: RoomIdParams, @Body() body: UpdateRoomDto): Promise<Room> {
    return this.rooms.updateRoom(caller.id, params.id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a room and its history (owner)' })
  @ApiNoContentResponse()
  @ApiErrors('forbidden', 'not_found')
  remove(@CurrentUser() caller: AuthUser, @Param() params: RoomIdParams): Promise<void> {
    return this.rooms.deleteRoom(caller.id, params.id);
  }

  @Post(':id/join')
  @HttpCode(200)
  @ApiOperation({ summary: 'Join a public room (idempotent)' })
  @ApiOkResponse({ type: RoomDto })
  @ApiErrors('not_found')
  join(@CurrentUser() caller: AuthUser, @Param() params: RoomIdParams): Promise<Room> {
    return this.rooms.joinRoom(caller.id, params.id);
  }

  @Post(':id/leave')
  @HttpCode(204)
  @ApiOperation({ summary: 'Leave a room; an owner who leaves hands ownership to the longest-standing admin, else member' })
  @ApiNoContentResponse()
  @ApiErrors('not_found')
  leave(@CurrentUser() caller: AuthUser, @Param() params: RoomIdParams): Promise<void> {
    return this.rooms.leaveRoom(caller.id, params.id);
  }

  @Get(':id/members')
  @ApiOperation({ summary: 'Members, owner first, with cluster-wide online state' })
  @ApiOkResponse({ type: MemberDto, isArray: true })
  @ApiErrors('not_found')
  members(@CurrentUser() caller: AuthUser, @Param() params: RoomIdParams): Promise<Member[]> {
    return this.rooms.listMembers(caller.id, params.id);
  }

  @Post(':id/members')
  @ApiOperation({ summary: 'Add a user to the room (owner/admin)' })
  @ApiCreatedResponse({ type: MemberDto })
  @ApiErrors('forbidden', 'not_found', 'conflict')
  addMember(@CurrentUser() caller: AuthUser, @Param() params: RoomIdParams, @Body() body: UserIdDto): Promise<Member> {
    return this.rooms.addMember(caller.id, params.id, body.userId);
  }

  @Patch(':id/members/:userId')
  @ApiOperation({ summary: 'Change a member\'s role to one below the caller\'s (the owner names admins, admins name moderators)' })
  @ApiOkResponse({ type: MemberDto })
  @ApiErrors('forbidden', 'not_found')
  setRole(@CurrentUser() caller: AuthUser, @Param() params: RoomMemberParams, @Body() body: SetRoleDto): Promise<Member> {
    return this.moderation.setRole(caller.id, params.id, params.userId, body.role);
  }

  @Delete(':id/members/:userId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Kick a member (owner, admin, moderator; only members they outrank); their sockets leave the room on every instance at once' })
  @ApiNoContentResponse()
  @ApiErrors('forbidden', 'not_found')
  kick(@CurrentUser() caller: AuthUser, @Param() params: RoomMemberParams): Promise<void> {
    return this.moderation.kick(caller.id, params.id, params.userId);
  }

  @Post(':id/read')
  @HttpCode(204)
  @ApiOperation({ summary: 'Move the caller\'s read marker forward (never back)' })
  @ApiNoContentResponse()
  @ApiErrors('forbidden', 'not_found')
  markRead(@CurrentUser() caller: AuthUser, @Param() params: RoomIdParams, @Body() body: MarkReadDto): Promise<void> {
    return this.rooms.markRead(caller.id, params.id, body.seq);
  }
}
