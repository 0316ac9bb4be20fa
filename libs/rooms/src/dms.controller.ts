import { Body, Controller, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, CurrentUser, type AuthUser } from '@parley/common';
import type { Room } from '@parley/contract';
import type { Response } from 'express';
import { RoomDto, UserIdDto } from './dto';
import { RoomsService } from './rooms.service';

@ApiTags('rooms')
@ApiBearerAuth()
@Controller('dms')
export class DmsController {
  constructor(private readonly rooms: RoomsService) {}

  @Post()
  @ApiOperation({ summary: 'Open the direct room with another user (the same room on every call, even concurrent ones)' })
  @ApiCreatedResponse({ type: RoomDto, description: 'Created now' })
  @ApiOkResponse({ type: RoomDto, description: 'Already existed' })
  @ApiErrors('unauthorized', 'validation_failed', 'not_found', 'rate_limited')
  async open(@CurrentUser() caller: AuthUser, @Body() body: UserIdDto, @Res({ passthrough: true }) response: Response): Promise<Room> {
    const { room, created } = await this.rooms.openDirectRoom(caller.id, body.userId);
    response.status(created ? 201 : 200);
    return room;
  }
}
