import { attachToMessage, UrlSigner } from '@parley/attachments';
import type { Attachment, AuthResult, ErrorBody, Message, Room } from '@parley/contract';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { DataSource } from 'typeorm';
import type { RunningServer } from '../apps/server/src/server';
import { Api, eventually, uniqueName } from './support/client';
import { startLocalS3, type LocalS3 } from './support/local-s3';
import { startTestServer, TEST_JWT_SECRET } from './support/server';

/** Attachments (contract §11) against the real server and PostgreSQL, for each store. */

interface Upload {
  status: number;
  body: Attachment & ErrorBody;
}

async function upload(server: RunningServer, token: string, roomId: string, bytes: Uint8Array, name: string, type = 'application/octet-stream'): Promise<Upload> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)], { type }), name);
  const response = await fetch(`${server.url}/api/rooms/${roomId}/attachments`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  return { status: response.status, body: (await response.json()) as Attachment & ErrorBody };
}

async function uploaded(server: RunningServer, token: string, roomId: string, bytes: Uint8Array, name: string, type?: string): Promise<Attachment> {
  const result = await upload(server, token, roomId, bytes, name, type);
  if (result.status !== 201) throw new Error(`upload ${name}: ${result.status} ${JSON.stringify(result.body)}`);
  return result.body;
}

async function download(server: RunningServer, path: string, headers: Record<string, string> = {}): Promise<{ status: number; bytes: Buffer; headers: Headers }> {
  const response = await fetch(`${server.url}${path}`, { headers });
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()), headers: response.headers };
}

const bearer = (auth: AuthResult): Record<string, string> => ({ authorization: `Bearer ${auth.accessToken}` });

/** Bytes that are no known format (and not text): stored as application/octet-stream. */
function randomBinary(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7919 + (i >> 8) * 31) & 0xff;
  bytes[0] = 0x00;
  bytes[1] = 0xfe;
  return bytes;
}

const png = (width: number, height: number): Promise<Buffer> =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 60 } } })
    .png()
    .toBuffer();

/** The storage-independent behaviour, run once per store. */
function roundTrips(label: string, start: () => Promise<{ server: RunningServer; storedBytes: (id: string) => Promise<boolean> }>): void {
  describe(`round trip (${label})`, () => {
    let server: RunningServer;
    let storedBytes: (id: string) => Promise<boolean>;
    let api: Api;
    let alice: AuthResult;
    let room: Room;

    beforeAll(async () => {
      ({ server, storedBytes } = await start());
      api = new Api(server.url);
      alice = await api.register(uniqueName('alice'));
      room = await api.createRoom(alice.accessToken, uniqueName('Files'));
    });
    afterAll(() => server?.close());

    it('stores a file of several chunks and gives back the same bytes, whole and by range', async () => {
      const bytes = randomBinary(600 * 1024 + 123);
      const attachment = await uploaded(server, alice.accessToken, room.id, bytes, 'data.bin');
      expect(attachment).toEqual({ id: expect.any(String), name: 'data.bin', size: bytes.length, contentType: 'application/octet-stream', url: expect.any(String) });
      expect(await storedBytes(attachment.id)).toBe(true);

      const whole = await download(server, `/api/attachments/${attachment.id}`, bearer(alice));
      expect(whole.status).toBe(200);
      expect(whole.bytes.equals(bytes)).toBe(true);
      expect(whole.headers.get('content-length')).toBe(String(bytes.length));
      expect(whole.headers.get('accept-ranges')).toBe('bytes');

      // Across the boundary of the postgres store's 256 KiB chunks, and the suffix form.
      const across = await download(server, `/api/attachments/${attachment.id}`, { ...bearer(alice), range: 'bytes=262000-262300' });
      expect(across.status).toBe(206);
      expect(across.headers.get('content-range')).toBe(`bytes 262000-262300/${bytes.length}`);
      expect(across.bytes.equals(bytes.subarray(262000, 262301))).toBe(true);
      const tail = await download(server, `/api/attachments/${attachment.id}`, { ...bearer(alice), range: 'bytes=-100' });
      expect(tail.status).toBe(206);
      expect(tail.bytes.equals(bytes.subarray(bytes.length - 100))).toBe(true);
    });

    it('measures an image, re-encodes it and serves a thumbnail through its signed URL', async () => {
      const image = await png(800, 600);
      const attachment = await uploaded(server, alice.accessToken, room.id, image, 'photo.png', 'image/png');
      expect(attachment).toMatchObject({ contentType: 'image/png', width: 800, height: 600, thumbnailUrl: expect.stringMatching(/^\/api\/attachments\/[0-9a-f-]+\/thumbnail\?/) });
      const thumbnail = await download(server, attachment.thumbnailUrl!);
      expect(thumbnail.status).toBe(200);
      expect(thumbnail.headers.get('content-type')).toBe('image/webp');
      expect(await sharp(thumbnail.bytes).metadata()).toMatchObject({ format: 'webp', width: 320, height: 240 });
      const file = await download(server, attachment.url);
      expect(file.status).toBe(200);
      expect(file.bytes.length).toBe(attachment.size);
      expect(await sharp(file.bytes).metadata()).toMatchObject({ format: 'png', width: 800, height: 600 });
    });
  });
}

describe('attachments (contract §11)', () => {
  describe('stores', () => {
    roundTrips('postgres', async () => {
      const server = await startTestServer();
      const db = server.app.get(DataSource);
      return {
        server,
        storedBytes: async (id) => (await db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM attachment_chunks WHERE attachment_id = $1`, [id]))[0]!.n > 0,
      };
    });

    let dir: string;
    roundTrips('filesystem', async () => {
      dir = mkdtempSync(join(tmpdir(), 'parley-attachments-'));
      const server = await startTestServer({ ATTACHMENT_STORAGE: 'filesystem', ATTACHMENT_DIR: dir });
      return { server, storedBytes: async (id) => existsSync(join(dir, id.slice(0, 2), `${id}.file`)) };
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    describe('s3', () => {
      let s3: LocalS3 | undefined;
      const credentials = { AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY };
      afterAll(async () => {
        for (const [name, value] of Object.entries(credentials)) {
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
        }
        await s3?.stop();
      });
      roundTrips('s3, a local S3-compatible server', async () => {
        s3 = await startLocalS3();
        // The SDK's standard credential chain reads these (s3rver's fixed keys).
        process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
        process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
        const { dir, bucket } = s3;
        const server = await startTestServer({ ATTACHMENT_STORAGE: 's3', ATTACHMENT_S3_BUCKET: bucket, ATTACHMENT_S3_ENDPOINT: s3.endpoint });
        return { server, storedBytes: async (id) => existsSync(join(dir, bucket, 'attachments', id)) };
      });
    });
  });
});
