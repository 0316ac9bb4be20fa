import { ApiError } from '@parley/common';
import busboy from 'busboy';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';

/** The one form field an upload has. */
export const FILE_FIELD = 'file';

/** Thrown into the file stream when it passes the size limit: the stream's reader fails with it. */
export class FileTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`file larger than ${limit} bytes`);
    this.name = 'FileTooLargeError';
  }
}

const refuse = (message: string): ApiError => ApiError.validation(message, { [FILE_FIELD]: [message] });

/**
 * Reads a `multipart/form-data` request holding exactly one file in the field `file` and nothing else, and
 * hands the file's stream to `handle` as it arrives (never buffered whole). Past `maxBytes` the stream fails
 * with FileTooLargeError, which `handle` sees while reading. Whatever happens, the rest of the request is read
 * and dropped, so the response can be sent on the same connection.
 */
export function receiveSingleFile<T>(request: IncomingMessage, maxBytes: number, handle: (file: Readable, name: string) => Promise<T>): Promise<T> {
  if (!/^multipart\/form-data\s*;/i.test(request.headers['content-type'] ?? '')) {
    return Promise.reject(refuse('Send the file as multipart/form-data in a field named "file"'));
  }
  let parser: busboy.Busboy;
  try {
    // busboy signals reaching its limit, not passing it: one byte more, so that exactly maxBytes is accepted.
    parser = busboy({ headers: request.headers, limits: { files: 1, fileSize: maxBytes + 1, headerPairs: 20, fieldSize: 1024 }, defParamCharset: 'utf8' });
  } catch {
    return Promise.reject(refuse('Malformed multipart/form-data header (no boundary)'));
  }
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let handling: Promise<T> | undefined;
    let current: Readable | undefined;
    const finish = (error: unknown, value?: T): void => {
      if (settled) return;
      settled = true;
      request.unpipe(parser);
      request.resume();
      if (error === undefined) return resolve(value as T);
      const failure = error instanceof Error ? error : new Error('upload failed');
      // The handler may still be reading the file: stop it, and answer once it has cleaned up after itself.
      current?.destroy(failure);
      void (handling ?? Promise.resolve()).catch(() => undefined).then(() => reject(failure));
    };
    parser.on('file', (field: string, file: Readable, info: busboy.FileInfo) => {
      if (field !== FILE_FIELD) {
        file.resume();
        finish(refuse(`Unknown field "${field}": send the file in the field "file"`));
        return;
      }
      file.on('limit', () => file.destroy(new FileTooLargeError(maxBytes)));
      // The handler reads the file and sees its errors; this only keeps one it no longer listens for from crashing.
      file.on('error', () => undefined);
      current = file;
      handling = handle(file, info.filename ?? '');
      handling.then(
        (value) => finish(undefined, value),
        (error: unknown) => finish(error),
      );
    });
    parser.on('field', (field: string) => finish(refuse(`Unknown field "${field}": the body has one field, "file"`)));
    parser.on('filesLimit', () => finish(refuse('One file per upload')));
    parser.on('error', () => finish(refuse('Malformed multipart/form-data body')));
    parser.on('close', () => {
      if (handling === undefined) finish(refuse('No file: send it in the field "file"'));
    });
    request.on('close', () => {
      if (!request.complete) finish(refuse('The upload was interrupted'));
    });
    request.pipe(parser);
  });
}
