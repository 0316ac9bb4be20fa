import { Body, Controller, Delete, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, CurrentUser, type AuthUser } from '@parley/common';
import type { Pin } from '@parley/contract';
import { RoomIdParams } from '@parley/rooms';
import type { Response } from 'express';
import { MessageParams, PinDto, PinMessageDto } from './dto';
import { MAX_PINS_PER_ROOM, PinsService } from './pins.service';

@ApiTags('messages')
@ApiBearerAuth()
@ApiErrors('unauthorized', 'validation_failed', 'not_found', 'rate_limited')
@Controller('rooms/:id/pins')
export class PinsController {
  constructor(private readonly pins: PinsService) {}

  @Get()
  @ApiOperation({ summary: "The room's pinned messages, newest pin first (whoever can see the room)" })
  @ApiOkResponse({ type: PinDto, isArray: true })
  list(@CurrentUser() caller: AuthUser, @Param() params: RoomIdParams): Promise<Pin[]> {
    return this.pins.list(caller.id, params.id);
  }

  @Post()
  @ApiOperation({
    summary: 'Pin a message of the room (owner, admins)',
    description: `\`message:pinned\` goes to the room. At most ${MAX_PINS_PER_ROOM} pins per room. Pinning a pinned message returns its pin (200).`,
  })
  @ApiCreatedResponse({ type: PinDto, description: 'Pinned now' })
  @ApiOkResponse({ type: PinDto, description: 'Was pinned already' })
  @ApiErrors('forbidden', 'conflict')
  async pin(@CurrentUser() caller: AuthUser, @Param() params: RoomIdParams, @Body() body: PinMessageDto, @Res({ passthrough: true }) response: Response): Promise<Pin> {
    const { pin, created } = await this.pins.pin(caller.id, params.id, body.messageId);
    response.status(created ? 201 : 200);
    return pin;
  }

  @Delete(':messageId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Unpin (owner, admins); `message:unpinned` goes to the room. Idempotent.' })
  @ApiNoContentResponse()
  @ApiErrors('forbidden')
  unpin(@CurrentUser() caller: AuthUser, @Param() params: MessageParams): Promise<void> {
    return this.pins.unpin(caller.id, params.id, params.messageId);
  }
}
