import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { AuthResult } from '@parley/contract';
import { UserDto } from '@parley/users';
import { IsOptional, IsString, Length, Matches } from 'class-validator';

export const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{3,32}$/;

export class RegisterDto {
  @ApiProperty({ example: 'alice', minLength: 3, maxLength: 32, pattern: '^[A-Za-z0-9_.-]{3,32}$' })
  @IsString()
  @Matches(USERNAME_PATTERN, { message: 'username must be 3–32 characters of letters, digits, _ . -' })
  username!: string;

  @ApiProperty({ example: 'correct horse battery', minLength: 8, maxLength: 128 })
  @IsString()
  @Length(8, 128)
  password!: string;

  @ApiPropertyOptional({ example: 'Alice Liddell', minLength: 1, maxLength: 64, description: 'Defaults to username' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  displayName?: string;
}

export class LoginDto {
  @ApiProperty({ example: 'alice' })
  @IsString()
  @Length(1, 64)
  username!: string;

  @ApiProperty({ example: 'correct horse battery' })
  @IsString()
  @Length(1, 256)
  password!: string;
}

export class RefreshTokenDto {
  @ApiProperty({ example: 'kq3v0YQ7m6wq2bWfY0h3x3bqfK7b1Gm3t8H0uQy1P2c' })
  @IsString()
  @Length(1, 512)
  refreshToken!: string;
}

export class AuthResultDto implements AuthResult {
  @ApiProperty({ type: UserDto })
  user!: UserDto;

  @ApiProperty({ description: 'JWT (HS256 by default); send as `Authorization: Bearer <token>`' })
  accessToken!: string;

  @ApiProperty({ description: 'Opaque; works once (rotation)' })
  refreshToken!: string;

  @ApiProperty({ description: 'Access token lifetime in seconds', example: 900 })
  expiresIn!: number;
}

export class ChangePasswordDto {
  @ApiProperty({ example: 'correct horse battery' })
  @IsString()
  @Length(1, 256)
  currentPassword!: string;

  @ApiProperty({ example: 'battery staple horse correct', minLength: 8, maxLength: 128 })
  @IsString()
  @Length(8, 128)
  newPassword!: string;
}

export class DeleteAccountDto {
  @ApiProperty({ example: 'correct horse battery', description: 'The account password, asked again' })
  @IsString()
  @Length(1, 256)
  password!: string;
}
