import { SendMessageDto, EditMessageDto } from '@parley/messages';
import { IsBoolean, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';

/** Socket payloads: strict types (no string→number coercion), unknown fields rejected. */
export class RoomJoinDto {
  @IsUUID()
  roomId!: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  sinceSeq?: number;
}

export class RoomLeaveDto {
  @IsUUID()
  roomId!: string;
}

export class MessageSendDto extends SendMessageDto {
  @IsUUID()
  roomId!: string;
}

export class MessageEditDto extends EditMessageDto {
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
