import { Inject, Injectable, Logger } from '@nestjs/common';
import { ApiError } from '@parley/common';
import { AppConfig } from '@parley/config';
import type { Attachment, MessageAttachment } from '@parley/contract';
import { RoomsService } from '@parley/rooms';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AttachmentsRepository, type AttachmentRow, type StoredFacts } from './attachments.repository';
import type { ByteRange } from './byte-range';
import { detectContentType, INLINE_IMAGE_TYPES, SNIFF_BYTES } from './content-type';
import { sanitizeFileName } from './file-name';
import { imageError, processImage, THUMBNAIL_CONTENT_TYPE } from './image-processing';
import { FileTooLargeError, receiveSingleFile } from './multipart-upload';
import { UrlSigner, type AttachmentVariant } from './signed-url';
import { ATTACHMENT_STORE, type AttachmentStore, type StoredPart } from './storage/attachment-store';

/**
 * An attachment as stored, without the reader-specific URLs: what a message keeps and what
 * AttachmentsService.present turns into the contract's Attachment for one reader.
 */
/** An attachment's facts without URLs: what a message carries (contract §1 MessageAttachment). */
export type AttachmentSummary = MessageAttachment;

/** What a download streams, with what its headers need. */
export interface AttachmentDownload {
  id: string;
  variant: AttachmentVariant;
  name: string;
  contentType: string;
  /** The whole representation's size (a range is a part of it). */
  size: number;
  createdAt: Date;
  /** Shown in the page (a safe image) or downloaded. */
  inline: boolean;
  open(range?: ByteRange): Promise<Readable>;
}

/** Multipart framing around the file: a Content-Length beyond max + this is refused before reading. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

export function toSummary(row: AttachmentRow): AttachmentSummary {
  return {
    id: row.id,
    name: row.name,
    size: Number(row.size),
    contentType: row.content_type,
    ...(row.width !== null && row.height !== null ? { width: row.width, height: row.height } : {}),
    hasThumbnail: row.thumbnail_size !== null,
  };
}

/** Uploads, downloads and the rules of who may see what (contract §11). */
@Injectable()
export class AttachmentsService {
  private readonly logger = new Logger('Attachments');
  readonly signer: UrlSigner;

  constructor(
    private readonly repository: AttachmentsRepository,
    private readonly rooms: RoomsService,
    private readonly config: AppConfig,
    @Inject(ATTACHMENT_STORE) private readonly store: AttachmentStore,
  ) {
    this.signer = new UrlSigner(config.jwtSecret, config.attachmentUrlTtlSeconds);
  }

  /** The contract's Attachment for one reader: signed URLs made for them. */
  present(summary: AttachmentSummary, readerId: string): Attachment {
    const { hasThumbnail, ...facts } = summary;
    return {
      ...facts,
      url: this.signer.url(summary.id, 'file', readerId),
      ...(hasThumbnail ? { thumbnailUrl: this.signer.url(summary.id, 'thumbnail', readerId) } : {}),
    };
  }

  /**
   * For sending: the attachments `ids` (in that order) when every one is the caller's own upload to this
   * room, stored and not sent yet; `not_found` otherwise (another user's or room's id, a sent or removed one).
   * Checked again, atomically, by the send statement that claims them (libs/messages).
   */
  async findForSend(uploaderId: string, roomId: string, ids: readonly string[]): Promise<AttachmentSummary[]> {
    const unique = [...new Set(ids)];
    const rows = unique.length === 0 ? [] : await this.repository.findUnsent(uploaderId, roomId, unique);
    if (rows.length !== unique.length) throw ApiError.notFound('Attachment');
    const byId = new Map(rows.map((row) => [row.id, toSummary(row)]));
    return unique.map((id) => byId.get(id) as AttachmentSummary);
  }

  /**
   * Signed URLs for the caller (contract §11 `POST /api/attachments/urls`): the Attachment of each of `ids` the
   * caller may download now, in the order asked; the others are left out, as if they did not exist.
   */
  async presentMany(readerId: string, ids: readonly string[]): Promise<Attachment[]> {
    const unique = [...new Set(ids)];
    const rows = unique.length === 0 ? [] : await this.repository.findStoredAmong(unique);
    const visible = new Map<string, Attachment>();
    const roomAccess = new Map<string, Promise<boolean>>();
    for (const row of rows) {
      if (row.room_id === null || row.message_deleted_at !== null) continue;
      const roomId = row.room_id;
      let allowed: boolean;
      if (row.message_id === null) allowed = row.uploader_id === readerId;
      else {
        if (!roomAccess.has(roomId)) roomAccess.set(roomId, this.canView(readerId, roomId));
        allowed = await (roomAccess.get(roomId) as Promise<boolean>);
      }
      if (allowed) visible.set(row.id, this.present(toSummary(row), readerId));
    }
    return unique.flatMap((id) => visible.get(id) ?? []);
  }

  private canView(userId: string, roomId: string): Promise<boolean> {
    return this.rooms.requireAccess(userId, roomId, 'view').then(
      () => true,
      (error: unknown) => {
        if (error instanceof ApiError && (error.code === 'not_found' || error.code === 'forbidden')) return false;
        throw error;
      },
    );
  }

  /**
   * Streams one file from a multipart request into the store (members who may post; a private room is
   * `not_found` to others). Limits: ATTACHMENT_MAX_BYTES and what is left of the uploader's quota (413 either
   * way, nothing kept). The type comes from the bytes; images are decoded, measured, re-encoded without
   * metadata and get a thumbnail.
   */
  async upload(userId: string, roomId: string, request: IncomingMessage): Promise<Attachment> {
    await this.rooms.requireAccess(userId, roomId, 'post');
    const maxBytes = this.config.attachmentMaxBytes;
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes + MULTIPART_OVERHEAD_BYTES) throw this.tooLarge();
    const left = this.config.attachmentQuotaBytes - (await this.repository.usedBytes(userId));
    if (left <= 0 || (Number.isFinite(declared) && declared > left + MULTIPART_OVERHEAD_BYTES)) throw this.overQuota();
    const limit = Math.min(maxBytes, left);
    const summary = await receiveSingleFile(request, limit, (file, name) => this.store_(userId, roomId, file, name)).catch((error: unknown) => {
      if (error instanceof FileTooLargeError) throw limit < maxBytes ? this.overQuota() : this.tooLarge();
      throw error;
    });
    return this.present(summary, userId);
  }

  /** The row first (so an abandoned upload is swept), then the bytes, then the facts; on any failure nothing stays. */
  private async store_(userId: string, roomId: string, file: Readable, rawName: string): Promise<AttachmentSummary> {
    const name = sanitizeFileName(rawName);
    const id = await this.repository.insertUpload(roomId, userId, name, this.store.kind);
    try {
      const facts = await this.writeBytes(id, file);
      const outcome = await this.repository.completeUpload(id, userId, facts, this.config.attachmentQuotaBytes);
      if (outcome === 'over_quota') throw this.overQuota();
      if (outcome === 'gone') throw ApiError.conflict('The upload took too long and was discarded');
      const { contentType, size, width, height, thumbnailSize } = facts;
      return { id, name, size, contentType, ...(width !== null && height !== null ? { width, height } : {}), hasThumbnail: thumbnailSize !== null };
    } catch (error) {
      await this.discard(id);
      throw error;
    }
  }

  private async writeBytes(id: string, file: Readable): Promise<StoredFacts> {
    const { head, rest } = await sniff(file);
    if (head.length === 0) throw ApiError.validation('The file is empty', { file: ['the file is empty'] });
    const contentType = detectContentType(head);
    if (!INLINE_IMAGE_TYPES.has(contentType)) {
      const size = await this.store.write(id, 'file', rest);
      return { contentType, size, width: null, height: null, thumbnailSize: null };
    }
    // An image is decoded from a local file (sharp needs to seek); the upload is spooled there, not to memory.
    const spool = join(tmpdir(), `parley-upload-${id}-${randomBytes(4).toString('hex')}`);
    try {
      await pipeline(rest, createWriteStream(spool, { flags: 'wx', mode: 0o600 }));
      const image = await processImage(spool, contentType, this.config.attachmentMaxPixels);
      const size = await this.store.write(id, 'file', image.file).catch((error: unknown) => {
        throw imageError(error, this.config.attachmentMaxPixels);
      });
      const thumbnail = await image.thumbnail().catch((error: unknown) => {
        throw imageError(error, this.config.attachmentMaxPixels);
      });
      await this.store.write(id, 'thumbnail', Readable.from([thumbnail]));
      return { contentType, size, width: image.width, height: image.height, thumbnailSize: thumbnail.length };
    } finally {
      await rm(spool, { force: true });
    }
  }

  private async discard(id: string): Promise<void> {
    try {
      await this.store.remove(id);
      await this.repository.delete(id);
    } catch (error) {
      // The sweep removes the row (and its bytes) later: it was never marked stored.
      this.logger.warn(`Could not discard failed upload ${id}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /**
   * A file (or its thumbnail) for a reader: the uploader while it is unsent; once sent, whoever can see the
   * room now (a private room's members, anyone for a public room) while its message is not deleted.
   * Anything else is `not_found`, exactly like a made-up id.
   */
  async download(userId: string, id: string, variant: AttachmentVariant): Promise<AttachmentDownload> {
    const row = await this.repository.findStored(id);
    if (!row || row.room_id === null || row.message_deleted_at !== null) throw ApiError.notFound('Attachment');
    if (row.message_id === null) {
      if (row.uploader_id !== userId) throw ApiError.notFound('Attachment');
    } else {
      await this.rooms.requireAccess(userId, row.room_id, 'view').catch((error: unknown) => {
        throw error instanceof ApiError && error.code === 'not_found' ? ApiError.notFound('Attachment') : error;
      });
    }
    if (variant === 'thumbnail' && row.thumbnail_size === null) throw ApiError.notFound('Thumbnail');
    const part: StoredPart = variant;
    const store = this.storeFor(row);
    return {
      id,
      variant,
      name: variant === 'file' ? row.name : `${row.name.replace(/\.[^.]*$/, '')}.thumbnail.webp`,
      contentType: variant === 'file' ? row.content_type : THUMBNAIL_CONTENT_TYPE,
      size: variant === 'file' ? Number(row.size) : Number(row.thumbnail_size),
      createdAt: row.created_at,
      inline: variant === 'thumbnail' || INLINE_IMAGE_TYPES.has(row.content_type),
      open: (range) => store.read(id, part, range),
    };
  }

  private storeFor(row: AttachmentRow): AttachmentStore {
    if (row.storage !== this.store.kind) {
      throw ApiError.unavailable(`Attachment ${row.id} is in the ${row.storage} store; this instance uses ${this.store.kind}`);
    }
    return this.store;
  }

  private tooLarge(): ApiError {
    return new ApiError('payload_too_large', `The file is larger than the limit of ${this.config.attachmentMaxBytes} bytes`, { limit: this.config.attachmentMaxBytes });
  }

  private overQuota(): ApiError {
    return new ApiError('payload_too_large', `Storage quota exceeded: your attachments may take ${this.config.attachmentQuotaBytes} bytes in all; remove some or wait for unsent uploads to expire`, {
      quota: this.config.attachmentQuotaBytes,
    });
  }
}

/** The first SNIFF_BYTES (or the whole file when shorter), and a stream of every byte, those included. */
async function sniff(file: Readable): Promise<{ head: Buffer; rest: Readable }> {
  const pieces: Buffer[] = [];
  let length = 0;
  const iterator = (file as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  while (length < SNIFF_BYTES) {
    const next = await iterator.next();
    if (next.done) break;
    pieces.push(next.value);
    length += next.value.length;
  }
  const head = Buffer.concat(pieces, length);
  async function* everything(): AsyncGenerator<Buffer> {
    try {
      yield head;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    } finally {
      // A reader that gives up (a failed store) stops the upload's stream too.
      await iterator.return?.();
    }
  }
  return { head: head.subarray(0, SNIFF_BYTES), rest: Readable.from(everything(), { objectMode: false }) };
}
