import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Sessions, TokenService } from '@parley/auth';
import { ApiError, ApiErrors, CurrentUser, Public, type AuthUser } from '@parley/common';
import type { Attachment } from '@parley/contract';
import { RoomIdParams } from '@parley/rooms';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { AttachmentsService, type AttachmentDownload } from './attachments.service';
import { parseByteRange } from './byte-range';
import { AttachmentDto, AttachmentIdParams, AttachmentUrlsBody, AttachmentUrlsDto, DownloadQuery } from './dto';
import { contentDisposition } from './file-name';
import type { AttachmentVariant } from './signed-url';

const DOWNLOAD_DESCRIPTION =
  'Authorised by `Authorization: Bearer` or by a signed URL (`url`/`thumbnailUrl` of the Attachment: `user`, `expires`, `signature`), ' +
  'for whoever can see the room now (the uploader alone while unsent); anything else is not_found. Safe images (png, jpeg, gif, webp) are ' +
  'served inline, everything else with `Content-Disposition: attachment`; always `X-Content-Type-Options: nosniff` and a sandboxing CSP. ' +
  'One `Range: bytes=` range gets 206 (others are ignored: 200); ETag and If-None-Match (304), If-Range.';

@ApiTags('attachments')
@ApiErrors('unauthorized', 'validation_failed', 'not_found', 'rate_limited')
@Controller()
export class AttachmentsController {
  constructor(
    private readonly attachments: AttachmentsService,
    private readonly tokens: TokenService,
    private readonly sessions: Sessions,
  ) {}

  @Post('rooms/:id/attachments')
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Upload a file to a room (members who may post), streamed',
    description:
      'multipart/form-data with one field, `file`. The type is detected from the bytes; images (png, jpeg, gif, webp) get width, height and a ' +
      'thumbnail and are stored re-encoded without metadata (EXIF, GPS). Unsent uploads are removed after ATTACHMENT_UNSENT_TTL_MS. ' +
      '413 payload_too_large past ATTACHMENT_MAX_BYTES, past the per-user quota (ATTACHMENT_QUOTA_BYTES) or ATTACHMENT_MAX_PIXELS.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } } })
  @ApiCreatedResponse({ type: AttachmentDto })
  @ApiErrors('forbidden', 'payload_too_large', 'conflict')
  upload(@CurrentUser() caller: AuthUser, @Param() params: RoomIdParams, @Req() request: Request): Promise<Attachment> {
    return this.attachments.upload(caller.id, params.id, request);
  }

  @Post('attachments/urls')
  @HttpCode(200)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Signed URLs for attachments messages carry',
    description:
      'For each id the caller may download now (a sent attachment of a room they can see, or their own unsent upload), the Attachment with ' +
      '`url` and `thumbnailUrl` signed for them (valid ATTACHMENT_URL_TTL_SECONDS); the others are left out, as if they did not exist.',
  })
  @ApiOkResponse({ type: AttachmentUrlsDto })
  async urls(@CurrentUser() caller: AuthUser, @Body() body: AttachmentUrlsBody): Promise<{ attachments: Attachment[] }> {
    return { attachments: await this.attachments.presentMany(caller.id, body.ids) };
  }

  @Public()
  @Get('attachments/:id')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Download an attachment', description: DOWNLOAD_DESCRIPTION })
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ description: 'The bytes (206 with a Range)' })
  async file(@Param() params: AttachmentIdParams, @Query() query: DownloadQuery, @Req() request: Request, @Res() response: Response): Promise<void> {
    await this.serve('file', params.id, query, request, response);
  }

  @Public()
  @Get('attachments/:id/thumbnail')
  @ApiBearerAuth()
  @ApiOperation({ summary: "An image attachment's thumbnail (WebP, at most 320 px)", description: DOWNLOAD_DESCRIPTION })
  @ApiProduces('image/webp')
  @ApiOkResponse({ description: 'The thumbnail' })
  async thumbnail(@Param() params: AttachmentIdParams, @Query() query: DownloadQuery, @Req() request: Request, @Res() response: Response): Promise<void> {
    await this.serve('thumbnail', params.id, query, request, response);
  }

  private async serve(variant: AttachmentVariant, id: string, query: DownloadQuery, request: Request, response: Response): Promise<void> {
    const userId = await this.authenticate(variant, id, query, request);
    const download = await this.attachments.download(userId, id, variant);
    const etag = `"${download.id}-${variant}"`;
    setDownloadHeaders(response, download, etag);
    if (matchesEtag(request.headers['if-none-match'], etag)) {
      response.status(304).end();
      return;
    }
    const ifRange = request.headers['if-range'];
    const range = ifRange === undefined || ifRange === etag ? parseByteRange(request.headers.range, download.size) : null;
    // Opened before the status is written: a store failure still gets the contract's error body.
    // Express routes HEAD to the GET handler: headers only.
    const body = request.method === 'HEAD' ? null : await download.open(range ?? undefined);
    if (range) {
      response.status(206).setHeader('Content-Range', `bytes ${range.start}-${range.end}/${download.size}`);
      response.setHeader('Content-Length', String(range.end - range.start + 1));
    } else {
      response.status(200).setHeader('Content-Length', String(download.size));
    }
    if (body === null) {
      response.end();
      return;
    }
    // A failure mid-stream can only cut the response short (the client sees a length mismatch).
    await pipeline(body, response).catch(() => response.destroy());
  }

  /** The reader: the user a valid signed URL was made for, else the Bearer token's (live session). */
  private async authenticate(variant: AttachmentVariant, id: string, query: DownloadQuery, request: Request): Promise<string> {
    if (query.signature !== undefined || query.expires !== undefined || query.user !== undefined) {
      const user = this.attachments.signer.verify(id, variant, { user: query.user ?? '', expires: query.expires ?? '', signature: query.signature ?? '' });
      if (user === null) throw ApiError.unauthorized('The link is invalid or has expired');
      return user;
    }
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
    if (token === undefined) throw ApiError.unauthorized('Invalid or missing access token');
    const caller = await this.tokens.verifyAccessToken(token);
    if (!(await this.sessions.isLive(caller))) throw ApiError.unauthorized('Session ended or account unavailable');
    return caller.id;
  }
}

function setDownloadHeaders(response: Response, download: AttachmentDownload, etag: string): void {
  response.setHeader('Content-Type', download.contentType);
  response.setHeader('Content-Disposition', contentDisposition(download.inline ? 'inline' : 'attachment', download.name));
  response.setHeader('X-Content-Type-Options', 'nosniff');
  // Even opened directly, a file can run nothing and load nothing.
  response.setHeader('Content-Security-Policy', "default-src 'none'; img-src 'self'; media-src 'self'; sandbox");
  response.setHeader('Accept-Ranges', 'bytes');
  response.setHeader('ETag', etag);
  response.setHeader('Last-Modified', download.createdAt.toUTCString());
  // The bytes under an id never change; they are the reader's own (private caches only).
  response.setHeader('Cache-Control', 'private, max-age=86400, immutable');
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((candidate) => {
    const tag = candidate.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}
