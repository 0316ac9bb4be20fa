import type { AttachmentStorageKind } from '@parley/config';
import type { Readable } from 'node:stream';
import type { ByteRange } from '../byte-range';

/** The stored parts of an attachment: the file as served, and an image's thumbnail. */
export type StoredPart = 'file' | 'thumbnail';

/**
 * Where attachment bytes live (ATTACHMENT_STORAGE). Every method streams: nothing holds a whole file in memory
 * (the s3 store holds one 5 MiB multipart part at most).
 */
export interface AttachmentStore {
  readonly kind: AttachmentStorageKind;
  /** Stores the part from `source` and resolves with its size; rejects when `source` fails (nothing usable is left). */
  write(attachmentId: string, part: StoredPart, source: Readable): Promise<number>;
  /** The part's bytes, or `range` of them; rejects when the part is not stored. */
  read(attachmentId: string, part: StoredPart, range?: ByteRange): Promise<Readable>;
  /** Removes every part of the attachment; nothing stored is no error. */
  remove(attachmentId: string): Promise<void>;
  close?(): Promise<void>;
}

export const ATTACHMENT_STORE = Symbol('ATTACHMENT_STORE');
