import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MESSAGE_TYPES } from '@parley/contract';
import type { Conversation, ConversationPage, MessagePreview, MessageType, UnreadTotals } from '@parley/contract';
import { UserDto } from '@parley/users';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { RoomDto } from './dto';
import { MAX_CONVERSATION_PAGE } from './conversations.service';
import { MAX_GROUP_DM_OTHERS, MIN_GROUP_DM_OTHERS } from './rooms.service';

export class MessagePreviewDto implements MessagePreview {
  @ApiProperty() id!: string;
  @ApiProperty({ example: 42 }) seq!: number;
  @ApiProperty({ type: UserDto }) author!: UserDto;
  @ApiProperty({ enum: MESSAGE_TYPES, description: 'The message\'s type (§1): `image` and `file` may have an empty preview' }) type!: MessageType;
  @ApiProperty({ example: 'See you at ten', description: 'The first 100 characters; "" when deleted' }) preview!: string;
  @ApiProperty() deleted!: boolean;
  @ApiProperty({ example: '2026-11-24T16:00:00.000Z' }) createdAt!: string;
}

export class ConversationDto implements Conversation {
  @ApiProperty({ type: RoomDto }) room!: RoomDto;
  @ApiProperty({ type: MessagePreviewDto, nullable: true, description: 'Null in a room without messages' }) lastMessage!: MessagePreviewDto | null;
  @ApiProperty({ description: "The newest message's time, or the caller's join time when later" }) lastActivityAt!: string;
  @ApiProperty({ example: 40 }) lastReadSeq!: number;
  @ApiProperty({ example: 2, description: 'room.lastSeq - lastReadSeq' }) unreadCount!: number;
  @ApiProperty({ example: 1, description: 'Unread messages that mentioned the caller and were notified' }) mentionCount!: number;
  @ApiProperty({ description: "The caller's own choice: no notifications from this conversation (not room.muted, a moderator's mute)" })
  notificationsMuted!: boolean;
  @ApiProperty({ description: 'Hidden from the list until its next message' }) archived!: boolean;
}

export class ConversationPageDto implements ConversationPage {
  @ApiProperty({ type: ConversationDto, isArray: true }) conversations!: ConversationDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page; null on the last page' }) nextCursor!: string | null;
}

export class UnreadTotalsDto implements UnreadTotals {
  @ApiProperty({ example: 12 }) unreadMessages!: number;
  @ApiProperty({ example: 1 }) mentions!: number;
  @ApiProperty({ example: 3, description: 'Conversations with unread messages' }) conversations!: number;
}

export class ConversationsQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_CONVERSATION_PAGE, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_CONVERSATION_PAGE)
  limit?: number;

  @ApiPropertyOptional({ description: "The previous page's nextCursor (opaque)" })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;

  @ApiPropertyOptional({ enum: ['true', 'false'], default: 'false', description: '`true`: only the archived conversations' })
  @IsOptional()
  @IsIn(['true', 'false'])
  archived?: 'true' | 'false';
}

export class UpdateConversationDto {
  @ApiPropertyOptional({ description: 'No notifications from this conversation (SSE, stored mentions); not a moderator mute' })
  @IsOptional()
  @IsBoolean()
  notificationsMuted?: boolean;

  @ApiPropertyOptional({ description: 'Hide it from the list until its next message (false: show it again now)' })
  @IsOptional()
  @IsBoolean()
  archived?: boolean;
}

export class MarkUnreadDto {
  @ApiProperty({ example: 41, minimum: 1, description: 'This message and every later one become unread; the marker never moves forward' })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  seq!: number;
}

export class GroupDmDto {
  @ApiProperty({
    type: String,
    format: 'uuid',
    isArray: true,
    minItems: MIN_GROUP_DM_OTHERS,
    maxItems: MAX_GROUP_DM_OTHERS,
    description: 'The other people (not yourself), distinct, existing users',
  })
  @IsArray()
  @ArrayMinSize(MIN_GROUP_DM_OTHERS)
  @ArrayMaxSize(MAX_GROUP_DM_OTHERS)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  userIds!: string[];
}

export class AddToGroupDmDto {
  @ApiProperty({ type: String, format: 'uuid', isArray: true, minItems: 1, description: 'People to add (the new set has at most 8 others besides you)' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_GROUP_DM_OTHERS)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  userIds!: string[];
}
