import { ApiProperty } from '@nestjs/swagger';
import { Trim } from '@parley/common';
import { CHOSEN_STATUSES, STATUS_TEXT_MAX, type ChosenStatus, type Contact, type PresenceStatus, type UserStatus } from '@parley/contract';
import { UserDto } from '@parley/users';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';

/** Control characters (C0, DEL, C1) and line/paragraph separators are refused in status texts. */
const NO_CONTROL_CHARACTERS = /^[^\p{Cc}\u2028\u2029]*$/u;
/** Users per `status:watch` / `status:unwatch`. */
export const WATCH_BATCH_MAX = 100;

export class UserStatusDto implements UserStatus {
  @ApiProperty({ format: 'uuid' })
  userId!: string;

  @ApiProperty({ enum: ['online', 'away', 'busy', 'offline'] })
  status!: PresenceStatus;

  @ApiProperty({ type: String, nullable: true, maxLength: STATUS_TEXT_MAX, example: 'In a meeting until 3' })
  statusText!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '2026-11-24T16:00:00.000Z', description: 'When the user was last connected; null: never seen' })
  lastSeenAt!: string | null;
}

export class ContactDto implements Contact {
  @ApiProperty({ type: UserDto })
  user!: UserDto;

  @ApiProperty({ example: '2026-11-24T16:00:00.000Z' })
  addedAt!: string;

  @ApiProperty({ type: UserStatusDto })
  status!: UserStatusDto;
}

export class AddContactDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  userId!: string;
}

export class ContactParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  userId!: string;
}

/** `PUT /api/users/me/status` and `status:set`: either or both; a null or empty text clears it. */
export class SetStatusDto {
  @ApiProperty({ required: false, enum: CHOSEN_STATUSES, description: '`offline` cannot be chosen: it is having no connection' })
  @IsOptional()
  @IsIn(CHOSEN_STATUSES)
  status?: ChosenStatus;

  @ApiProperty({ required: false, type: String, nullable: true, maxLength: STATUS_TEXT_MAX, description: 'Trimmed; null or "" clears it; no control characters' })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(0, STATUS_TEXT_MAX)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'statusText must not contain control characters' })
  statusText?: string | null;
}

export class StatusWatchDto {
  @IsArray()
  @ArrayMaxSize(WATCH_BATCH_MAX)
  @IsUUID('all', { each: true })
  userIds!: string[];
}
