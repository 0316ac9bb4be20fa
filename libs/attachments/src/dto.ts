import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Attachment } from '@parley/contract';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';

export class AttachmentDto implements Attachment {
  @ApiProperty({ example: '7d1f5c2e-3b4a-4c6d-8e9f-0a1b2c3d4e5f' }) id!: string;
  @ApiProperty({ example: 'holiday.jpg', description: 'As uploaded, made safe: no path, control or bidi characters; at most 200 characters' }) name!: string;
  @ApiProperty({ example: 482113, description: 'Bytes as stored (images are re-encoded without metadata)' }) size!: number;
  @ApiProperty({ example: 'image/jpeg', description: 'Detected from the bytes, never from the name or the request' }) contentType!: string;
  @ApiPropertyOptional({ example: 1920, description: 'Images only (png, jpeg, gif, webp), upright' }) width?: number;
  @ApiPropertyOptional({ example: 1080 }) height?: number;
  @ApiProperty({ example: '/api/attachments/7d1f5c2e-3b4a-4c6d-8e9f-0a1b2c3d4e5f?user=…&expires=1767225600&signature=…', description: 'Signed download URL for the caller, relative to the server; expires (ATTACHMENT_URL_TTL_SECONDS)' })
  url!: string;
  @ApiPropertyOptional({ description: 'Images only: signed URL of a WebP thumbnail (at most 320 px)' }) thumbnailUrl?: string;
}

export class AttachmentIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id!: string;
}

/** A signed URL's query; without it the request needs `Authorization: Bearer`. */
export class DownloadQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'Signed URLs: the user the URL was made for' })
  @IsOptional()
  @IsUUID()
  user?: string;

  @ApiPropertyOptional({ description: 'Signed URLs: expiry, Unix seconds' })
  @IsOptional()
  @Matches(/^\d{1,12}$/)
  expires?: string;

  @ApiPropertyOptional({ description: 'Signed URLs: the signature' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  signature?: string;
}

/** The most attachments one `POST /api/attachments/urls` asks for (a page of history's worth). */
export const URLS_MAX_IDS = 100;

export class AttachmentUrlsBody {
  @ApiProperty({ type: String, isArray: true, format: 'uuid', minItems: 1, maxItems: URLS_MAX_IDS, description: 'Attachment ids, as messages carry them' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(URLS_MAX_IDS)
  @IsUUID(undefined, { each: true })
  ids!: string[];
}

export class AttachmentUrlsDto {
  @ApiProperty({ type: AttachmentDto, isArray: true, description: 'The ones the caller may download now, in the order asked, with URLs signed for them' })
  attachments!: AttachmentDto[];
}
