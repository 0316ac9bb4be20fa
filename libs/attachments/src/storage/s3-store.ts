import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { AppConfig } from '@parley/config';
import { Readable } from 'node:stream';
import type { ByteRange } from '../byte-range';
import type { AttachmentStore, StoredPart } from './attachment-store';

/** S3's smallest multipart part (all but the last): what is held in memory per upload at most. */
export const S3_PART_BYTES = 5 * 1024 * 1024;

/**
 * ATTACHMENT_STORAGE=s3: objects `attachments/<id>/<part>` in ATTACHMENT_S3_BUCKET, on AWS or any
 * S3-compatible store (ATTACHMENT_S3_ENDPOINT). The upload's length is unknown while it streams: up to one
 * part it is one PutObject, beyond that a multipart upload of 5 MiB parts (aborted on failure). Checksums
 * only where S3 requires them: many S3-compatible stores do not know the SDK's newer defaults.
 */
export class S3AttachmentStore implements AttachmentStore {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(settings: AppConfig['attachmentS3']) {
    this.bucket = settings.bucket;
    this.client = new S3Client({
      region: settings.region,
      endpoint: settings.endpoint,
      forcePathStyle: settings.forcePathStyle,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  private key(attachmentId: string, part: StoredPart): string {
    return `attachments/${attachmentId}/${part}`;
  }

  async write(attachmentId: string, part: StoredPart, source: Readable): Promise<number> {
    const key = this.key(attachmentId, part);
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let total = 0;
    let uploadId: string | undefined;
    const parts: Array<{ ETag: string | undefined; PartNumber: number }> = [];
    const sendPart = async (body: Buffer): Promise<void> => {
      uploadId ??= (await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key }))).UploadId;
      const PartNumber = parts.length + 1;
      const { ETag } = await this.client.send(new UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumber, Body: body, ContentLength: body.length }));
      parts.push({ ETag, PartNumber });
    };
    try {
      for await (const piece of source as AsyncIterable<Buffer>) {
        pending.push(piece);
        pendingBytes += piece.length;
        total += piece.length;
        if (pendingBytes >= S3_PART_BYTES) {
          await sendPart(Buffer.concat(pending, pendingBytes));
          pending = [];
          pendingBytes = 0;
        }
      }
      const rest = Buffer.concat(pending, pendingBytes);
      if (uploadId === undefined) {
        await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: rest, ContentLength: rest.length }));
      } else {
        if (rest.length > 0) await sendPart(rest);
        await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
      }
      return total;
    } catch (error) {
      if (uploadId !== undefined) await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
      throw error;
    }
  }

  async read(attachmentId: string, part: StoredPart, range?: ByteRange): Promise<Readable> {
    const result = await this.client.send(
      new GetObjectCommand({ Bucket: this.bucket, Key: this.key(attachmentId, part), Range: range ? `bytes=${range.start}-${range.end}` : undefined }),
    );
    if (!(result.Body instanceof Readable)) throw new Error('S3 GetObject returned no stream');
    return result.Body;
  }

  async remove(attachmentId: string): Promise<void> {
    await Promise.all((['file', 'thumbnail'] as const).map((part) => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(attachmentId, part) }))));
  }

  close(): Promise<void> {
    this.client.destroy();
    return Promise.resolve();
  }
}
