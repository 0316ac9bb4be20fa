import { hasOnlyKeys, IdPageQuery, registerFastValidator, Trim } from '@parley/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MESSAGE_TYPES, SYSTEM_EVENT_KINDS } from '@parley/contract';
import type { Message, MessageAttachment, MessageChanges, MessagePage, MessagePageAround, MessageType, MessageVersion, Pin, Reaction, ReactionResult, ReplyRef, Report, ReportStatus, RoomRole, SystemEvent, SystemEventKind, User } from '@parley/contract';
import { MAX_EMOJI_LENGTH } from './emoji';
import { UserDto } from '@parley/users';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayUnique, IsArray, ValidateBy, IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUUID, isUUID, Length, length, Max, Min } from 'class-validator';
import { MAX_ATTACHMENTS_PER_MESSAGE, MAX_PAGE_SIZE, type SendOptions } from './messages.service';

const CONTENT_MAX = 5000;
const CLIENT_MSG_ID_MAX = 64;

export class SystemEventDto implements SystemEvent {
  @ApiProperty({ enum: SYSTEM_EVENT_KINDS }) kind!: SystemEventKind;
  @ApiProperty({ format: 'uuid', description: 'Who did it (the message author)' }) actorId!: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'Whom it was done to: added, kicked, banned, role changed' }) targetId?: string;
  @ApiPropertyOptional({ enum: ['owner', 'admin', 'moderator', 'member'], description: 'role_changed: the new role' }) role?: RoomRole;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'The role, name or description before' }) from?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'The role, name or description after' }) to?: string | null;
}

export class ReplyRefDto implements ReplyRef {
  @ApiProperty({ format: 'uuid', description: 'The quoted message' }) id!: string;
  @ApiProperty() seq!: number;
  @ApiProperty({ format: 'uuid' }) authorId!: string;
  @ApiProperty({ description: "The quoted author's display name when the reply was sent" }) authorName!: string;
  @ApiProperty({ description: 'The first 200 characters of the quoted message when the reply was sent' }) preview!: string;
  @ApiProperty({ format: 'uuid', description: "The thread's root (threads are flat): its replyCount counts this reply" }) rootId!: string;
}

export class MessageAttachmentDto implements MessageAttachment {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'plan.pdf', description: 'As uploaded, made safe' }) name!: string;
  @ApiProperty({ example: 48213, description: 'Bytes as stored' }) size!: number;
  @ApiProperty({ example: 'application/pdf', description: 'Detected from the bytes' }) contentType!: string;
  @ApiPropertyOptional({ description: 'Images only' }) width?: number;
  @ApiPropertyOptional({ description: 'Images only' }) height?: number;
  @ApiProperty({ description: 'A thumbnail is at /api/attachments/:id/thumbnail (images)' }) hasThumbnail!: boolean;
}

export class MessageDto implements Message {
  @ApiProperty({ example: 'c3d0a1f2-5b6e-4c7d-8e9f-0a1b2c3d4e5f' }) id!: string;
  @ApiProperty() roomId!: string;
  @ApiProperty({ example: 17, description: 'Gapless per room, starting at 1' }) seq!: number;
  @ApiProperty({ type: UserDto }) author!: UserDto;
  @ApiProperty({ example: 'Hello @bob', description: 'Empty string once deleted' }) content!: string;
  @ApiProperty({ nullable: true, type: String, example: 'web-7f3a-0001' }) clientMsgId!: string | null;
  @ApiProperty({ example: '2026-11-24T16:00:00.000Z' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) editedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) deletedAt!: string | null;
  @ApiProperty({ enum: MESSAGE_TYPES, description: '`text`; `image` or `file` (with attachments: all images shown inline, or not); `system` (a membership or room change); later versions may add others' }) type!: MessageType;
  @ApiPropertyOptional({ type: SystemEventDto, description: 'type `system` only' }) event?: SystemEventDto;
  @ApiPropertyOptional({ type: ReplyRefDto, description: 'A reply: the quoted message as it was when the reply was sent' }) replyTo?: ReplyRefDto;
  @ApiPropertyOptional({ minimum: 1, description: 'Replies in the thread this message starts; absent: none' }) replyCount?: number;
  @ApiPropertyOptional({ type: MessageAttachmentDto, isArray: true, description: 'Files sent with it, in order; absent: none, or deleted' }) attachments?: MessageAttachmentDto[];
}

export class MessagePageDto implements MessagePage {
  @ApiProperty({ type: MessageDto, isArray: true, description: 'Ordered by seq ascending' }) messages!: MessageDto[];
  @ApiProperty({ description: 'More messages exist beyond this page in the paging direction (older ones for an `around` page)' }) hasMore!: boolean;
}

export class MessagePageAroundDto extends MessagePageDto implements MessagePageAround {
  @ApiPropertyOptional({ description: 'Only with `around`: older messages exist' }) hasMoreBefore!: boolean;
  @ApiPropertyOptional({ description: 'Only with `around`: newer messages exist' }) hasMoreAfter!: boolean;
}

export class ReactionDto implements Reaction {
  @ApiProperty({ example: '👍' }) emoji!: string;
  @ApiProperty({ description: 'How many members put it there' }) count!: number;
  @ApiProperty({ description: 'The caller is one of them' }) me!: boolean;
}

export class ReactDto {
  @ApiProperty({ example: '👍', maxLength: MAX_EMOJI_LENGTH, description: 'One emoji, or a `:shortcode:` from the fixed list (stored as its emoji)' })
  @IsString()
  @Length(1, MAX_EMOJI_LENGTH)
  emoji!: string;

  @ApiPropertyOptional({ description: 'true puts it on, false takes it off, whatever it was (a retry cannot flip it back); absent: toggles' })
  @IsOptional()
  @IsBoolean()
  on?: boolean;
}

export class ReactionResultDto implements ReactionResult {
  @ApiProperty({ format: 'uuid' }) messageId!: string;
  @ApiProperty({ description: 'As stored: a shortcode becomes its emoji' }) emoji!: string;
  @ApiProperty({ description: "The caller's reaction is now on" }) on!: boolean;
  @ApiProperty({ type: ReactionDto, isArray: true }) reactions!: ReactionDto[];
}

export class PinDto implements Pin {
  @ApiProperty({ type: MessageDto }) message!: Message;
  @ApiProperty({ type: UserDto, nullable: true, description: 'Who pinned it' }) pinnedBy!: User | null;
  @ApiProperty({ format: 'date-time' }) pinnedAt!: string;
}

export class PinMessageDto {
  @ApiProperty({ format: 'uuid', description: 'A message of this room' })
  @IsUUID()
  messageId!: string;
}

export class MessageVersionDto implements MessageVersion {
  @ApiProperty({ description: 'The text before the edit' }) content!: string;
  @ApiProperty({ format: 'date-time', description: 'When this text was written: the message was sent, or the edit before' }) writtenAt!: string;
  @ApiProperty({ format: 'date-time', description: 'When an edit replaced it' }) replacedAt!: string;
}

/** `content` may be empty only when the message carries attachments. */
function NotEmptyWithoutAttachments(): PropertyDecorator {
  return ValidateBy({
    name: 'notEmptyWithoutAttachments',
    validator: {
      validate: (value: unknown, args) => typeof value !== 'string' || value.length > 0 || ((args?.object as { attachments?: unknown[] }).attachments?.length ?? 0) > 0,
      defaultMessage: () => 'content must be 1 to 5000 characters (it may be empty only with attachments)',
    },
  });
}

export class SendMessageDto {
  @ApiProperty({ example: 'Hello @bob', minLength: 0, maxLength: CONTENT_MAX, description: 'Trimmed; 1–5000 characters (may be empty with `attachments`)' })
  @Trim()
  @IsString()
  @Length(0, CONTENT_MAX)
  @NotEmptyWithoutAttachments()
  content!: string;

  @ApiPropertyOptional({ example: 'web-7f3a-0001', minLength: 1, maxLength: CLIENT_MSG_ID_MAX, description: 'Idempotency key' })
  @IsOptional()
  @IsString()
  @Length(1, CLIENT_MSG_ID_MAX)
  clientMsgId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Reply to this message of the same room (not deleted); 404 otherwise' })
  @IsOptional()
  @IsUUID()
  replyTo?: string;

  @ApiPropertyOptional({
    type: String,
    isArray: true,
    format: 'uuid',
    maxItems: MAX_ATTACHMENTS_PER_MESSAGE,
    description: "The caller's unsent uploads to this room (§11), in the order to show; 404 for any other id. Makes the message `image` or `file`",
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_ATTACHMENTS_PER_MESSAGE)
  @ArrayUnique()
  @IsUUID(undefined, { each: true })
  attachments?: string[];
}

/** A send's options as its payload gives them (REST body or socket payload). */
export function sendOptionsOf(dto: SendMessageDto): SendOptions {
  const options: SendOptions = {};
  if (dto.clientMsgId !== undefined) options.clientMsgId = dto.clientMsgId;
  if (dto.replyTo !== undefined) options.replyTo = dto.replyTo;
  if (dto.attachments !== undefined) options.attachments = dto.attachments;
  return options;
}

/**
 * SendMessageDto's fields, as its decorators would produce them from a payload they accept (trimmed
 * content), or undefined to let them decide. The same checks (class-validator's own functions), without
 * class-transformer and the metadata walk: the fast path of every send.
 */
export function sendMessageFields(payload: Readonly<Record<string, unknown>>): { content: string; clientMsgId?: string; replyTo?: string } | undefined {
  const { content, clientMsgId, replyTo } = payload;
  if (typeof content !== 'string') return undefined;
  const trimmed = content.trim();
  if (!length(trimmed, 1, CONTENT_MAX)) return undefined;
  const fields: { content: string; clientMsgId?: string; replyTo?: string } = { content: trimmed };
  if (clientMsgId !== undefined) {
    if (!length(clientMsgId, 1, CLIENT_MSG_ID_MAX)) return undefined;
    fields.clientMsgId = clientMsgId as string;
  }
  if (replyTo !== undefined) {
    if (!isUUID(replyTo)) return undefined;
    fields.replyTo = replyTo as string;
  }
  return fields;
}

const SEND_MESSAGE_KEYS = new Set(['content', 'clientMsgId', 'replyTo']);
registerFastValidator(SendMessageDto, (payload) => {
  const fields = hasOnlyKeys(payload, SEND_MESSAGE_KEYS) ? sendMessageFields(payload) : undefined;
  return fields && Object.assign(new SendMessageDto(), fields);
});

export class EditMessageDto {
  @ApiProperty({ example: 'Hello @bob (edited)', minLength: 0, maxLength: CONTENT_MAX, description: 'Trimmed; 1–5000 characters ("" only for a message with attachments: its caption removed)' })
  @Trim()
  @IsString()
  @Length(0, CONTENT_MAX)
  content!: string;
}

/** A page by seq: the newest `limit` below `before`, or the oldest above `after` (history, a thread). */
export class SeqPageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ minimum: 1, description: 'Newest page with seq < before' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  before?: number;

  @ApiPropertyOptional({ minimum: 0, description: 'Oldest page with seq > after' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  after?: number;
}

export class HistoryQuery extends SeqPageQuery {
  @ApiPropertyOptional({
    minimum: 1,
    description: 'The page centred on this seq (a search hit), with `hasMoreBefore` and `hasMoreAfter`; not with before or after',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  around?: number;
}

export class RepliesQuery extends SeqPageQuery {}

export class ChangesQuery {
  @ApiProperty({ minimum: 0, description: 'The change version the client has seen (`changeVersion` of `room:join` or of the previous page)' })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  sinceVersion!: number;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: MAX_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;
}

export class MessageChangesDto implements MessageChanges {
  @ApiProperty({ type: MessageDto, isArray: true, description: 'In their current state (deleted ones with deletedAt), oldest change first' }) messages!: MessageDto[];
  @ApiProperty({ description: 'The next sinceVersion' }) changeVersion!: number;
  @ApiProperty({ description: 'More changes after this page' }) hasMore!: boolean;
}

export class MessageParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id!: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  messageId!: string;
}

export class ReportMessageDto {
  @ApiProperty({ minLength: 1, maxLength: 500, example: 'Spam' })
  @Trim()
  @IsString()
  @Length(1, 500)
  reason!: string;
}

const REPORT_STATUSES: readonly ReportStatus[] = ['open', 'dismissed', 'actioned'];

export class ReportsQuery extends IdPageQuery {
  @ApiPropertyOptional({ enum: REPORT_STATUSES, description: 'Default: every status' })
  @IsOptional()
  @IsIn(REPORT_STATUSES)
  status?: ReportStatus;
}

export class ReportIdParams {
  @ApiProperty({ minimum: 1 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  id!: number;
}

export class ResolveReportDto {
  @ApiProperty({ enum: ['dismissed', 'actioned'] })
  @IsIn(['dismissed', 'actioned'])
  resolution!: 'dismissed' | 'actioned';

  @ApiPropertyOptional({ default: false, description: 'With `actioned`: delete the reported message too' })
  @IsOptional()
  @IsBoolean()
  deleteMessage?: boolean;
}

export class ReportDto implements Report {
  @ApiProperty() id!: number;
  @ApiProperty() roomId!: string;
  @ApiProperty() roomName!: string;
  @ApiProperty({ type: Object, description: '{ id, seq, content, author, deleted }' }) message!: Report['message'];
  @ApiProperty({ type: Object }) reporter!: User;
  @ApiProperty() reason!: string;
  @ApiProperty({ enum: REPORT_STATUSES }) status!: ReportStatus;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) resolvedBy!: string | null;
  @ApiProperty({ nullable: true, type: String }) resolvedAt!: string | null;
}
