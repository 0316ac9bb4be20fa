import { ApiProperty } from '@nestjs/swagger';
import type { BlockedUser, User } from '@parley/contract';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';

export class UserDto implements User {
  @ApiProperty({ example: '6f1c2b9e-8d7a-4a34-9a51-0c7f1e3b2d10' })
  id!: string;

  @ApiProperty({ example: 'alice', pattern: '^[A-Za-z0-9_.-]{3,32}$' })
  username!: string;

  @ApiProperty({ example: 'Alice Liddell' })
  displayName!: string;

  @ApiProperty({ example: '2026-11-24T16:00:00.000Z' })
  createdAt!: string;
}

export class SearchUsersQuery {
  @ApiProperty({ required: false, description: 'Prefix of a username or display name (case-insensitive)', example: 'al' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  search?: string;

  @ApiProperty({ required: false, minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

export class UserIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id!: string;
}

export class BlockedUserDto implements BlockedUser {
  @ApiProperty({ type: UserDto })
  user!: UserDto;

  @ApiProperty({ example: '2026-11-24T16:00:00.000Z' })
  blockedAt!: string;
}
