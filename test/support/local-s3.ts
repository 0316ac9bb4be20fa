import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The part of s3rver's API the tests use (the package ships no types). */
interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  httpServer?: Server;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;

export interface LocalS3 {
  endpoint: string;
  bucket: string;
  /** Where it keeps the objects: `<dir>/<bucket>/<key>/…`. */
  dir: string;
  stop(): Promise<void>;
}

/**
 * An S3-compatible server (s3rver) on 127.0.0.1 with one bucket, its data in a temporary directory. It accepts
 * s3rver's fixed keys (`S3RVER`/`S3RVER`). `stop` closes it, its connections and removes its data; idempotent.
 */
export async function startLocalS3(bucket = 'parley-test'): Promise<LocalS3> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const S3rver = require('s3rver') as S3rverClass;
  const dir = mkdtempSync(join(tmpdir(), 'parley-s3-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: bucket, configs: [] }] });
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      try {
        server.httpServer?.closeAllConnections();
        if (server.httpServer?.listening) await server.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    })());
  try {
    const { port } = await server.run();
    return { endpoint: `http://127.0.0.1:${port}`, bucket, dir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
