import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Trim } from '@parley/common';
import type { RoomKind, SearchHit, SearchPage } from '@parley/contract';
import { MessageDto } from '@parley/messages';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, IsString, IsUUID, Length, Matches, Max, MaxLength, Min } from 'class-validator';

export const MESSAGE_QUERY_MAX = 200;
export const NAME_QUERY_MAX = 64;
export const DEFAULT_SEARCH_LIMIT = 20;
export const MAX_SEARCH_LIMIT = 50;

/** No control characters (C0, DEL, C1): nothing a search box sends, and invisible in an error message. */
const NO_CONTROL_CHARACTERS = /^[^\p{Cc}]*$/u;
const noControlCharacters = (field: string): PropertyDecorator => Matches(NO_CONTROL_CHARACTERS, { message: `${field} must not contain control characters` });

class LimitQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_SEARCH_LIMIT, default: DEFAULT_SEARCH_LIMIT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_SEARCH_LIMIT)
  limit?: number;
}

export class MessageSearchQuery extends LimitQuery {
  @ApiProperty({
    example: 'deploy -staging "release notes"',
    minLength: 1,
    maxLength: MESSAGE_QUERY_MAX,
    description: 'Words to find (all of them; accents and case do not matter). Web-search syntax: "a phrase", `or`, `-word` to exclude',
  })
  @Trim()
  @IsString()
  @Length(1, MESSAGE_QUERY_MAX)
  @noControlCharacters('q')
  q!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only this room (any room the caller can read); default: every room the caller is a member of' })
  @IsOptional()
  @IsUUID()
  roomId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only messages of this author' })
  @IsOptional()
  @IsUUID()
  authorId?: string;

  @ApiPropertyOptional({ example: '2026-12-01T00:00:00Z', description: 'Only messages created before this time (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  before?: string;

  @ApiPropertyOptional({ example: '2026-11-01T00:00:00Z', description: 'Only messages created after this time (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  after?: string;

  @ApiPropertyOptional({ description: "The previous page's nextCursor, with the same q and filters" })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

export class NameSearchQuery extends LimitQuery {
  @ApiProperty({ example: 'ali', minLength: 1, maxLength: NAME_QUERY_MAX, description: 'Text to find anywhere in the names (case and accents do not matter)' })
  @Trim()
  @IsString()
  @Length(1, NAME_QUERY_MAX)
  @noControlCharacters('q')
  q!: string;
}

class SearchHitRoomDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['group', 'direct'] }) kind!: RoomKind;
}

class HighlightDto {
  @ApiProperty({ description: 'UTF-16 offset in snippet' }) start!: number;
  @ApiProperty({ description: 'UTF-16 offset in snippet, exclusive' }) end!: number;
}

export class SearchHitDto implements SearchHit {
  @ApiProperty({ type: MessageDto }) message!: MessageDto;
  @ApiProperty({ type: SearchHitRoomDto }) room!: SearchHitRoomDto;
  @ApiProperty({ example: 0.083, description: 'Relevance, higher first; comparable within one search only' }) rank!: number;
  @ApiProperty({ example: 'the deploy went fine … staging is next', description: 'Plain text (never markup): the message or its best fragments' })
  snippet!: string;
  @ApiProperty({ type: HighlightDto, isArray: true, description: 'The matched words in snippet, in order' }) highlights!: HighlightDto[];
}

export class SearchPageDto implements SearchPage {
  @ApiProperty({ type: SearchHitDto, isArray: true, description: 'Best first' }) hits!: SearchHitDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as cursor, with the same search, for the next page; null on the last page' })
  nextCursor!: string | null;
}
