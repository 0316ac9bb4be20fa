import { Trim } from '@parley/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Member, Room, RoomKind, RoomRole, RoomVisibility, Sanction, SanctionKind, User } from '@parley/contract';
import { UserDto } from '@parley/users';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Max, MaxLength, Min } from 'class-validator';

export class RoomDto implements Room {
  @ApiProperty({ example: '0b5e8a52-6f43-4f0e-a3f7-2b1a86c9a0de' }) id!: string;
  @ApiProperty({ example: 'general' }) name!: string;
  @ApiProperty({ example: 'Everything and nothing' }) description!: string;
  @ApiProperty({ enum: ['public', 'private'] }) visibility!: RoomVisibility;
  @ApiProperty({ enum: ['group', 'direct', 'group_dm'] }) kind!: RoomKind;
  @ApiProperty({ description: 'User id of the creator' }) createdBy!: string;
  @ApiProperty({ example: '2026-11-24T16:00:00.000Z' }) createdAt!: string;
  @ApiProperty({ example: 12 }) memberCount!: number;
  @ApiProperty({ example: 431, description: 'Seq of the newest message, 0 when empty' }) lastSeq!: number;
  @ApiProperty({ description: 'Whether the caller is a member' }) joined!: boolean;
  @ApiProperty({ enum: ['owner', 'admin', 'moderator', 'member'], nullable: true, type: String }) role!: RoomRole | null;
  @ApiProperty({ nullable: true, type: Number, description: 'lastSeq - lastReadSeq; null when not a member' })
  unreadCount!: number | null;
  @ApiProperty({ nullable: true, type: Boolean, description: 'The caller is muted here (sends and edits refused); null when not a member' })
  muted!: boolean | null;
  @ApiProperty({ nullable: true, type: String, example: null, description: "When the caller's mute ends; null when for good or not muted" })
  mutedUntil!: string | null;
}

export class MemberDto implements Member {
  @ApiProperty({ type: UserDto }) user!: UserDto;
  @ApiProperty({ enum: ['owner', 'admin', 'moderator', 'member'] }) role!: RoomRole;
  @ApiProperty({ example: '2026-11-24T16:00:00.000Z' }) joinedAt!: string;
  @ApiProperty({ description: 'Has at least one socket subscribed to this room, on any instance' }) online!: boolean;
}

export class CreateRoomDto {
  @ApiProperty({ example: 'general', minLength: 1, maxLength: 64, description: 'Unique (case-insensitive) among group rooms' })
  @Trim()
  @IsString()
  @Length(1, 64)
  name!: string;

  @ApiPropertyOptional({ example: 'Everything and nothing', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({ enum: ['public', 'private'], default: 'public' })
  @IsOptional()
  @IsIn(['public', 'private'])
  visibility?: RoomVisibility;
}

export class UpdateRoomDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 64 })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, 64)
  name?: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class ListRoomsQuery {
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'Only the caller\'s rooms, direct rooms included' })
  @IsOptional()
  @IsIn(['true', 'false'])
  joined?: 'true' | 'false';
}

export class RoomIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id!: string;
}

export class RoomMemberParams extends RoomIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  userId!: string;
}

export class UserIdDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  userId!: string;
}

export class SetRoleDto {
  @ApiProperty({ enum: ['admin', 'moderator', 'member'], description: 'Below the caller\'s own role: the owner names admins, admins name moderators' })
  @IsIn(['admin', 'moderator', 'member'])
  role!: 'admin' | 'moderator' | 'member';
}

/** Five years: longer is "for good" (leave durationSeconds out). */
export const MAX_SANCTION_SECONDS = 5 * 365 * 86_400;

export class MuteDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_SANCTION_SECONDS, description: 'From now, by the database clock; leave out for good' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_SANCTION_SECONDS)
  durationSeconds?: number;

  @ApiPropertyOptional({ maxLength: 500, default: '' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class BanDto extends MuteDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  userId!: string;
}

export class SanctionsQuery {
  @ApiPropertyOptional({ enum: ['mute', 'ban'] })
  @IsOptional()
  @IsIn(['mute', 'ban'])
  kind?: SanctionKind;
}

export class SanctionDto implements Sanction {
  @ApiProperty() roomId!: string;
  @ApiProperty({ type: Object }) user!: User;
  @ApiProperty({ enum: ['mute', 'ban'] }) kind!: SanctionKind;
  @ApiProperty({ nullable: true, type: String, description: 'When it ends; null: for good' }) until!: string | null;
  @ApiProperty() reason!: string;
  @ApiProperty({ nullable: true, type: String }) createdBy!: string | null;
  @ApiProperty() createdAt!: string;
}

export class MarkReadDto {
  @ApiProperty({ example: 42, minimum: 0, description: 'Clamped to the room\'s lastSeq; the marker never moves back' })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  seq!: number;
}
