import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IdPageQuery } from '@parley/common';
import { DURABLE_NOTIFICATION_TYPES } from '@parley/contract';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';

export class NotificationDto {
  @ApiProperty({ example: 42, description: 'Increasing per user; the SSE `id:` of this notification' }) id!: number;
  @ApiProperty({ enum: DURABLE_NOTIFICATION_TYPES }) type!: string;
  @ApiProperty({
    description: '`mention`: {roomId, messageId, seq, author, preview}; `dm.created` and `room.invited`: the Room',
    example: { roomId: '0b5e8a52-6f43-4f0e-a3f7-2b1a86c9a0de', messageId: 'c3d0a1f2-5b6e-4c7d-8e9f-0a1b2c3d4e5f', seq: 17, author: { id: '6f1c2b9e-8d7a-4a34-9a51-0c7f1e3b2d10', username: 'alice', displayName: 'Alice', createdAt: '2026-11-24T16:00:00.000Z' }, preview: 'hey @bob, look' },
  })
  data!: unknown;
  @ApiProperty({ example: '2026-11-24T16:00:00.000Z' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) readAt!: string | null;
}

export class ListNotificationsQuery extends IdPageQuery {
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'Only unread ones' })
  @IsOptional()
  @IsIn(['true', 'false'])
  unread?: 'true' | 'false';
}

export class MarkNotificationsReadDto {
  @ApiProperty({ example: 42, minimum: 0, description: 'Marks every notification with id ≤ upToId read' })
  @IsInt()
  @Min(0)
  upToId!: number;
}

export class StreamQuery {
  @ApiPropertyOptional({ description: 'Access token, for EventSource which cannot set headers' })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  token?: string;

  @ApiPropertyOptional({ minimum: 0, description: 'Alternative to the Last-Event-ID header for the first connection' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  lastEventId?: number;
}
