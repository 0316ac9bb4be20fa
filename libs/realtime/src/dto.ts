import { hasOnlyKeys, registerFastValidator } from '@parley/common';
import { EditMessageDto, MAX_PAGE_SIZE, ReactDto, SendMessageDto, sendMessageFields } from '@parley/messages';
import { MAX_CONVERSATION_PAGE } from '@parley/rooms';
import { IsBoolean, IsInt, IsOptional, IsString, IsUUID, isUUID, Length, Max, Min } from 'class-validator';

/** Socket payloads: strict types (no string→number coercion), unknown fields rejected. */
export class RoomJoinDto {
  @IsUUID()
  roomId!: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  sinceSeq?: number;

  /** Without `sinceSeq`: also return the room's newest `limit` messages (one round trip to open a room). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  /** With `sinceSeq`: also the messages changed after this change version. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  sinceVersion?: number;
}

export class RoomLeaveDto {
  @IsUUID()
  roomId!: string;
}

export class MessageSendDto extends SendMessageDto {
  @IsUUID()
  roomId!: string;
}

const MESSAGE_SEND_KEYS = new Set(['roomId', 'content', 'clientMsgId', 'replyTo']);
registerFastValidator(MessageSendDto, (payload) => {
  if (!hasOnlyKeys(payload, MESSAGE_SEND_KEYS) || !isUUID(payload.roomId)) return undefined;
  const fields = sendMessageFields(payload);
  return fields && Object.assign(new MessageSendDto(), { roomId: payload.roomId as string }, fields);
});

export class MessageEditDto extends EditMessageDto {
  @IsUUID()
  messageId!: string;
}

export class ReactionToggleDto extends ReactDto {
  @IsUUID()
  messageId!: string;
}

export class MessageDeleteDto {
  @IsUUID()
  messageId!: string;
}

export class MessageReadDto {
  @IsUUID()
  roomId!: string;

  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  seq!: number;
}

export class TypingDto {
  @IsUUID()
  roomId!: string;

  @IsBoolean()
  isTyping!: boolean;
}

export class AuthRefreshDto {
  @IsString()
  @Length(1, 4096)
  accessToken!: string;
}

export class ConversationsWatchDto {
  /** Size of the list's first page in the ack. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_CONVERSATION_PAGE)
  limit?: number;
}

/** `conversations:unwatch` takes an empty object. */
export class ConversationsUnwatchDto {}
