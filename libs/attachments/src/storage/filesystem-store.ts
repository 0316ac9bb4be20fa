import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ByteRange } from '../byte-range';
import type { AttachmentStore, StoredPart } from './attachment-store';

/**
 * ATTACHMENT_STORAGE=filesystem: `<dir>/<first two characters of the id>/<id>.<part>`, on a volume every
 * instance shares. A part is written to a temporary name and renamed when complete, so a reader never sees
 * half a file.
 */
export class FilesystemAttachmentStore implements AttachmentStore {
  readonly kind = 'filesystem' as const;

  constructor(private readonly dir: string) {}

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  private path(attachmentId: string, part: StoredPart): string {
    return join(this.dir, attachmentId.slice(0, 2), `${attachmentId}.${part}`);
  }

  async write(attachmentId: string, part: StoredPart, source: Readable): Promise<number> {
    const path = this.path(attachmentId, part);
    await mkdir(join(this.dir, attachmentId.slice(0, 2)), { recursive: true });
    const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(source, counter, createWriteStream(temporary, { flags: 'wx' }));
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    return size;
  }

  async read(attachmentId: string, part: StoredPart, range?: ByteRange): Promise<Readable> {
    const handle = await open(this.path(attachmentId, part), 'r');
    return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
  }

  async remove(attachmentId: string): Promise<void> {
    await Promise.all((['file', 'thumbnail'] as const).map((part) => rm(this.path(attachmentId, part), { force: true })));
  }
}
