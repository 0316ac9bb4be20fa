import { Body, Controller, Get, Headers, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiError, ApiErrors, CurrentUser, type AuthUser } from '@parley/common';
import type { DurableNotification } from '@parley/contract';
import type { Response } from 'express';
import { ListNotificationsQuery, MarkNotificationsReadDto, NotificationDto, StreamQuery } from './dto';
import { NotificationStreams } from './notification-streams';
import { NotificationsService } from './notifications.service';

function parseLastEventId(header: string | undefined, query: number | undefined): number | undefined {
  if (header === undefined || header === '') return query;
  if (!/^\d{1,15}$/.test(header)) throw ApiError.validation('Last-Event-ID must be a notification id');
  return Number(header);
}

@ApiTags('notifications')
@ApiBearerAuth()
@ApiErrors('unauthorized', 'validation_failed', 'rate_limited')
@Controller('notifications')
export class NotificationsController {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly streams: NotificationStreams,
  ) {}

  @Get('stream')
  @ApiOperation({
    summary: 'Server-Sent Events: live notifications of the caller',
    description:
      'Authenticate with `Authorization: Bearer` or `?token=`. Events: `message.created`, `member.joined`, `member.left`, `room.created`, ' +
      '`announcement` (live, no `id:`) and the durable `mention`, `dm.created`, `room.invited` (with `id:`). After `Last-Event-ID: n` every ' +
      'durable notification after n is sent first, then the live stream, with no gap and no duplicate, on any instance. A comment line ' +
      'is sent every 15 s. The stream ends with `auth:expired` when the access token expires and with `auth:revoked` when the ' +
      'session is revoked (both `data: { reason }`). A token refused (expired, revoked session, deleted or suspended account) is ' +
      'answered 401 before any event-stream header. See docs/notifications.md.',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this durable notification id' })
  @ApiOkResponse({ description: 'An endless text/event-stream', content: { 'text/event-stream': { example: 'id: 7\nevent: mention\ndata: {"roomId":"…","messageId":"…","seq":3,"author":{…},"preview":"hi @bob"}\n\n' } } })
  async stream(
    @CurrentUser() caller: AuthUser,
    @Query() query: StreamQuery,
    @Headers('last-event-id') lastEventIdHeader: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    await this.streams.open(caller, response, parseLastEventId(lastEventIdHeader, query.lastEventId));
  }

  @Get()
  @ApiOperation({ summary: 'Durable notifications (mention, dm.created, room.invited), newest first' })
  @ApiOkResponse({ type: NotificationDto, isArray: true })
  list(@CurrentUser() caller: AuthUser, @Query() query: ListNotificationsQuery): Promise<DurableNotification[]> {
    return this.notifications.list(caller.id, { unreadOnly: query.unread === 'true', limit: query.limit ?? 50, before: query.before });
  }

  @Post('read')
  @HttpCode(204)
  @ApiOperation({ summary: 'Mark every notification up to an id read' })
  @ApiNoContentResponse()
  markRead(@CurrentUser() caller: AuthUser, @Body() body: MarkNotificationsReadDto): Promise<void> {
    return this.notifications.markRead(caller.id, body.upToId);
  }
}
