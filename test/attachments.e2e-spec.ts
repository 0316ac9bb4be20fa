import { AttachmentsService, AttachmentSweeper, UrlSigner } from '@parley/attachments';
import { ParleyClient } from '@parley/client';
import type { AuthResult, ErrorBody, Message, Room } from '@parley/contract';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { DataSource } from 'typeorm';
import type { RunningServer } from '../apps/server/src/server';
import { download, upload, uploaded } from './support/attachments';
import { Api, eventually, uniqueName } from './support/client';
import { startLocalS3, type LocalS3 } from './support/local-s3';
import { startTestCluster, startTestServer, TEST_JWT_SECRET } from './support/server';

/** Attachments (contract §11) against the real server and PostgreSQL, for each store. */

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
      return { server, storedBytes: (id) => Promise.resolve(existsSync(join(dir, id.slice(0, 2), `${id}.file`))) };
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
        return { server, storedBytes: (id) => Promise.resolve(existsSync(join(dir, bucket, 'attachments', id))) };
      });
    });
  });
});

describe('attachments: rules (contract §11)', () => {
  const MAX_BYTES = 200_000;
  const QUOTA_BYTES = 300_000;
  let server: RunningServer;
  let api: Api;
  let db: DataSource;
  let alice: AuthResult;
  let bob: AuthResult;
  let carol: AuthResult;
  let secret: Room;
  let lobby: Room;

  const rowsOf = async (userId: string): Promise<number> =>
    (await db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM attachments WHERE uploader_id = $1`, [userId]))[0]!.n;
  const chunksOf = async (id: string): Promise<number> =>
    (await db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM attachment_chunks WHERE attachment_id = $1`, [id]))[0]!.n;
  const send = async (auth: AuthResult, roomId: string, content: string, attachments?: string[]): Promise<Message> => {
    const result = await api.post<Message>(`/api/rooms/${roomId}/messages`, attachments ? { content, attachments } : { content }, auth.accessToken);
    if (result.status !== 201) throw new Error(`send: ${result.status} ${JSON.stringify(result.body)}`);
    return result.body;
  };

  beforeAll(async () => {
    server = await startTestServer({ ATTACHMENT_MAX_BYTES: String(MAX_BYTES), ATTACHMENT_QUOTA_BYTES: String(QUOTA_BYTES), ATTACHMENT_SWEEP_INTERVAL_MS: '100' });
    api = new Api(server.url);
    db = server.app.get(DataSource);
    [alice, bob, carol] = [await api.register(uniqueName('alice')), await api.register(uniqueName('bob')), await api.register(uniqueName('carol'))];
    secret = await api.createRoom(alice.accessToken, uniqueName('Secret'), 'private');
    expect((await api.post(`/api/rooms/${secret.id}/members`, { userId: carol.user.id }, alice.accessToken)).status).toBe(201);
    lobby = await api.createRoom(alice.accessToken, uniqueName('Lobby'));
  });
  afterAll(() => server?.close());

  it('detects the type from the bytes, whatever the name and the declared type say', async () => {
    const image = await png(40, 30);
    const disguised = await uploaded(server, alice.accessToken, lobby.id, image, 'x.txt', 'text/plain');
    expect(disguised).toMatchObject({ name: 'x.txt', contentType: 'image/png', width: 40, height: 30 });
    const pdf = await uploaded(server, alice.accessToken, lobby.id, Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n'), 'picture.png', 'image/png');
    expect(pdf).toMatchObject({ contentType: 'application/pdf' });
    expect(pdf.width).toBeUndefined();
    expect(pdf.thumbnailUrl).toBeUndefined();
  });

  it('serves anything but a safe image as a download, sniffing off and sandboxed', async () => {
    const html = await uploaded(server, alice.accessToken, lobby.id, Buffer.from('<!DOCTYPE html><html><script>alert(1)</script></html>'), 'page.png', 'image/png');
    expect(html.contentType).toBe('text/html');
    const page = await download(server, html.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-disposition')).toBe(`attachment; filename="page.png"; filename*=UTF-8''page.png`);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('content-security-policy')).toContain('sandbox');
    expect(page.headers.get('cache-control')).toMatch(/^private/);
    const svg = await uploaded(server, alice.accessToken, lobby.id, Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'), 'logo.svg', 'image/svg+xml');
    expect(svg).toMatchObject({ contentType: 'image/svg+xml' });
    expect((await download(server, svg.url)).headers.get('content-disposition')).toMatch(/^attachment;/);
    const image = await uploaded(server, alice.accessToken, lobby.id, await png(10, 10), 'dot.png');
    const shown = await download(server, image.url);
    expect(shown.headers.get('content-disposition')).toMatch(/^inline;/);
    expect(shown.headers.get('content-type')).toBe('image/png');
    // Conditional requests: the ETag never changes for an id.
    const again = await download(server, image.url, { 'if-none-match': shown.headers.get('etag')! });
    expect(again.status).toBe(304);
  });

  it('strips EXIF and GPS from a JPEG and stores it upright', async () => {
    const photo = await sharp({ create: { width: 60, height: 40, channels: 3, background: { r: 0, g: 90, b: 200 } } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .withExifMerge({ IFD0: { Make: 'SpyCam', Copyright: 'Alice' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 0/1' } })
      .toBuffer();
    expect((await sharp(photo).metadata()).exif).toBeDefined();
    const attachment = await uploaded(server, alice.accessToken, lobby.id, photo, 'IMG_0001.JPG');
    // Orientation 6 turns it a quarter: the upright image is 40 × 60.
    expect(attachment).toMatchObject({ contentType: 'image/jpeg', width: 40, height: 60 });
    const stored = await download(server, attachment.url);
    const metadata = await sharp(stored.bytes).metadata();
    expect(metadata).toMatchObject({ format: 'jpeg', width: 40, height: 60 });
    expect(metadata.exif).toBeUndefined();
    expect(metadata.orientation).toBeUndefined();
    expect(stored.bytes.includes(Buffer.from('SpyCam'))).toBe(false);
  });

  it('refuses an image of too many pixels (a decompression bomb) with 413, and a damaged one with 400', async () => {
    // 8000 × 8000 of one colour: a few hundred kilobytes at most, 64 million pixels (limit 50 million).
    const bomb = await sharp({ create: { width: 8000, height: 8000, channels: 3, background: { r: 0, g: 0, b: 0 } } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(bomb.length).toBeLessThan(MAX_BYTES);
    const refused = await upload(server, alice.accessToken, lobby.id, bomb, 'bomb.png');
    expect(refused.status).toBe(413);
    expect(refused.body).toMatchObject({ code: 'payload_too_large', message: expect.stringContaining('50000000 pixels') });
    const image = await sharp({ create: { width: 300, height: 300, channels: 3, background: { r: 9, g: 200, b: 9 } } })
      .jpeg()
      .toBuffer();
    const before = await rowsOf(alice.user.id);
    const truncated = await upload(server, alice.accessToken, lobby.id, image.subarray(0, Math.floor(image.length / 2)), 'half.jpg');
    expect(truncated.status).toBe(400);
    expect(truncated.body).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('cannot be read') });
    expect(await rowsOf(alice.user.id)).toBe(before);
  });

  it('uploads through the SDK (fetch outside browsers) and maps a refusal to ParleyError', async () => {
    const client = new ParleyClient({ baseUrl: server.url });
    await client.login(alice.user.username, 'password123');
    const progress: number[] = [];
    const attachment = await client.uploadAttachment(lobby.id, new File(['from the SDK'], 'sdk.txt'), { onProgress: (sent) => progress.push(sent) });
    expect(attachment).toMatchObject({ name: 'sdk.txt', size: 12, contentType: 'text/plain' });
    expect(progress).toEqual([0, 12]);
    expect((await download(server, attachment.url)).bytes.toString()).toBe('from the SDK');
    await expect(client.uploadAttachment(lobby.id, new Blob([new Uint8Array(randomBinary(MAX_BYTES + 10))]))).rejects.toMatchObject({ code: 'payload_too_large', status: 413 });
  });

  it('documents the multipart upload and the downloads in the OpenAPI document', async () => {
    type Operation = { requestBody?: { content: Record<string, { schema: { properties?: Record<string, { format?: string }>; required?: string[] } }> }; responses: Record<string, unknown> };
    const doc = (await api.get<{ paths: Record<string, Record<string, Operation>> }>('/docs-json')).body;
    const uploadOperation = doc.paths['/api/rooms/{id}/attachments']?.post;
    expect(uploadOperation?.requestBody?.content['multipart/form-data']?.schema).toMatchObject({ required: ['file'], properties: { file: { format: 'binary' } } });
    expect(Object.keys(uploadOperation?.responses ?? {})).toEqual(expect.arrayContaining(['201', '400', '403', '404', '413']));
    expect(doc.paths['/api/attachments/{id}']?.get).toBeDefined();
    expect(doc.paths['/api/attachments/{id}/thumbnail']?.get).toBeDefined();
  });

  it('answers HEAD with the headers only', async () => {
    const attachment = await uploaded(server, alice.accessToken, lobby.id, Buffer.from('head check'), 'h.txt');
    const response = await fetch(`${server.url}${attachment.url}`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe('10');
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(await response.text()).toBe('');
  });

  it('refuses a file over ATTACHMENT_MAX_BYTES with 413 and keeps none of it', async () => {
    const dave = await api.register(uniqueName('dave'));
    await api.post(`/api/rooms/${lobby.id}/join`, {}, dave.accessToken);
    // Declared larger than the limit (refused before reading) and slightly over it (refused while streaming).
    for (const size of [MAX_BYTES * 3, MAX_BYTES + 1]) {
      const result = await upload(server, dave.accessToken, lobby.id, randomBinary(size), 'big.bin');
      expect(result.status).toBe(413);
      expect(result.body).toMatchObject({ code: 'payload_too_large', message: expect.stringContaining(`${MAX_BYTES} bytes`) });
      expect(await rowsOf(dave.user.id)).toBe(0);
    }
    expect((await db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM attachment_chunks c LEFT JOIN attachments a ON a.id = c.attachment_id WHERE a.id IS NULL`))[0]!.n).toBe(0);
    // Exactly the limit is fine.
    expect((await upload(server, dave.accessToken, lobby.id, randomBinary(MAX_BYTES), 'fits.bin')).status).toBe(201);
  });

  it("refuses an upload past the user's quota with 413 and a message that says so", async () => {
    const erin = await api.register(uniqueName('erin'));
    await api.post(`/api/rooms/${lobby.id}/join`, {}, erin.accessToken);
    await uploaded(server, erin.accessToken, lobby.id, randomBinary(150_000), 'one.bin');
    await uploaded(server, erin.accessToken, lobby.id, randomBinary(100_000), 'two.bin');
    const result = await upload(server, erin.accessToken, lobby.id, randomBinary(100_000), 'three.bin');
    expect(result.status).toBe(413);
    expect(result.body).toMatchObject({ code: 'payload_too_large', message: expect.stringContaining('quota') });
    expect(await rowsOf(erin.user.id)).toBe(2);
    // Someone else's quota is their own.
    expect((await upload(server, alice.accessToken, lobby.id, randomBinary(100_000), 'three.bin')).status).toBe(201);
  });

  it('keeps nothing of an upload the client abandons halfway', async () => {
    const frank = await api.register(uniqueName('frank'));
    await api.post(`/api/rooms/${lobby.id}/join`, {}, frank.accessToken);
    const request = httpRequest(`${server.url}/api/rooms/${lobby.id}/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${frank.accessToken}`, 'content-type': 'multipart/form-data; boundary=XyZ', 'content-length': '150000' },
    });
    request.on('error', () => undefined);
    request.write('--XyZ\r\nContent-Disposition: form-data; name="file"; filename="half.bin"\r\nContent-Type: application/octet-stream\r\n\r\n');
    request.write(randomBinary(50_000));
    await eventually(async () => (await rowsOf(frank.user.id)) === 1, 5000, 'the upload to start');
    request.destroy();
    await eventually(async () => (await rowsOf(frank.user.id)) === 0, 5000, 'the abandoned upload to be discarded');
    expect((await db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM attachment_chunks c LEFT JOIN attachments a ON a.id = c.attachment_id WHERE a.id IS NULL`))[0]!.n).toBe(0);
  });

  it('refuses bad uploads with the contract error: no file, another field, empty, not multipart', async () => {
    const url = `${server.url}/api/rooms/${lobby.id}/attachments`;
    const post = async (body: BodyInit, headers: Record<string, string> = {}): Promise<{ status: number; body: ErrorBody }> => {
      const response = await fetch(url, { method: 'POST', headers: { ...bearer(alice), ...headers }, body });
      return { status: response.status, body: (await response.json()) as ErrorBody };
    };
    const other = new FormData();
    other.append('document', new Blob(['hi']), 'a.txt');
    const field = new FormData();
    field.append('note', 'hello');
    const empty = new FormData();
    empty.append('file', new Blob([]), 'empty.txt');
    for (const [body, headers] of [[other, {}], [field, {}], [empty, {}], ['{"file":1}', { 'content-type': 'application/json' }]] as Array<[BodyInit, Record<string, string>]>) {
      const result = await post(body, headers);
      expect(result.status).toBe(400);
      expect(result.body).toMatchObject({ code: 'validation_failed', details: { file: [expect.any(String)] } });
    }
    expect(await rowsOf(alice.user.id)).toBeGreaterThan(0);
    expect((await db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM attachments WHERE stored_at IS NULL`))[0]!.n).toBe(0);
  });

  it('sanitizes the file name: no path, no bidi override, no control characters, at most 200 characters', async () => {
    const tricky = await uploaded(server, alice.accessToken, lobby.id, Buffer.from('hello'), '../../etc/\u202Egpj.exe\t');
    expect(tricky.name).toBe('gpj.exe');
    const long = await uploaded(server, alice.accessToken, lobby.id, Buffer.from('hello'), `${'a'.repeat(1000)}.txt`);
    expect(long.name).toHaveLength(200);
    expect(long.name.endsWith('.txt')).toBe(true);
    const accented = await uploaded(server, alice.accessToken, lobby.id, Buffer.from('hello'), 'Café crème – été.txt');
    expect(accented.name).toBe('Café crème – été.txt');
    expect((await download(server, accented.url)).headers.get('content-disposition')).toBe(
      `attachment; filename="Caf_ cr_me _ _t_.txt"; filename*=UTF-8''${encodeURIComponent('Café crème – été.txt')}`,
    );
  });

  it('lets only members who may post upload; a private room is not_found to others', async () => {
    const result = await upload(server, bob.accessToken, secret.id, Buffer.from('hi'), 'a.txt');
    expect(result.status).toBe(404);
    expect(result.body.code).toBe('not_found');
    expect((await upload(server, bob.accessToken, lobby.id, Buffer.from('hi'), 'a.txt')).status).toBe(403);
    expect(await rowsOf(bob.user.id)).toBe(0);
  });

  it('shows an unsent file to its uploader only, a sent one to whoever can see the room, for as long as they can', async () => {
    const attachment = await uploaded(server, alice.accessToken, secret.id, Buffer.from('the plan'), 'plan.txt');
    const path = `/api/attachments/${attachment.id}`;
    expect((await download(server, path, bearer(alice))).status).toBe(200);
    expect((await download(server, path, bearer(carol))).status).toBe(404);
    await send(alice, secret.id, 'see the plan', [attachment.id]);
    // Sent once only.
    const again = await api.post<ErrorBody>(`/api/rooms/${secret.id}/messages`, { content: 'again', attachments: [attachment.id] }, alice.accessToken);
    expect([again.status, again.body.code]).toEqual([404, 'not_found']);
    const forCarol = await download(server, path, bearer(carol));
    expect(forCarol.status).toBe(200);
    expect(forCarol.bytes.toString()).toBe('the plan');
    const forBob = await download(server, path, bearer(bob));
    expect(forBob.status).toBe(404);
    expect(JSON.parse(forBob.bytes.toString())).toMatchObject({ code: 'not_found' });
    // A signed URL is re-checked for its user: carol's stops working once she is removed.
    const signer = new UrlSigner(TEST_JWT_SECRET, 600);
    const carolsUrl = signer.url(attachment.id, 'file', carol.user.id);
    expect((await download(server, carolsUrl)).status).toBe(200);
    expect((await api.request('DELETE', `/api/rooms/${secret.id}/members/${carol.user.id}`, { token: alice.accessToken })).status).toBe(204);
    expect((await download(server, carolsUrl)).status).toBe(404);
    expect((await download(server, path, bearer(carol))).status).toBe(404);
  });

  it('accepts a signed URL without a Bearer header, and refuses it altered or expired', async () => {
    const attachment = await uploaded(server, alice.accessToken, lobby.id, Buffer.from('signed'), 's.txt');
    expect((await download(server, attachment.url)).bytes.toString()).toBe('signed');
    const url = new URL(attachment.url, server.url);
    const altered = (change: (params: URLSearchParams) => void): string => {
      const params = new URLSearchParams(url.search);
      change(params);
      return `${url.pathname}?${params.toString()}`;
    };
    const signature = url.searchParams.get('signature')!;
    const expires = Number(url.searchParams.get('expires'));
    for (const path of [
      altered((p) => p.set('signature', `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`)),
      altered((p) => p.set('expires', String(expires + 3600))),
      altered((p) => p.set('user', bob.user.id)),
      altered((p) => p.delete('signature')),
      `${url.pathname}/thumbnail${url.search}`,
    ]) {
      const result = await download(server, path);
      expect(result.status).toBe(401);
      expect(JSON.parse(result.bytes.toString())).toMatchObject({ code: 'unauthorized' });
    }
    const past = new UrlSigner(TEST_JWT_SECRET, 600, () => Date.now() - 3_600_000);
    expect((await download(server, past.url(attachment.id, 'file', alice.user.id))).status).toBe(401);
    expect((await download(server, `/api/attachments/${attachment.id}`)).status).toBe(401);
  });

  it('finds attachments for sending only when each is the caller\'s own, for that room, and unsent (findForSend)', async () => {
    const service = server.app.get(AttachmentsService);
    const first = await uploaded(server, alice.accessToken, lobby.id, await png(30, 20), 'one.png');
    const second = await uploaded(server, alice.accessToken, lobby.id, Buffer.from('two'), 'two.txt');
    expect(await service.findForSend(alice.user.id, lobby.id, [second.id, first.id])).toEqual([
      { id: second.id, name: 'two.txt', size: 3, contentType: 'text/plain', hasThumbnail: false },
      { id: first.id, name: 'one.png', size: first.size, contentType: 'image/png', width: 30, height: 20, hasThumbnail: true },
    ]);
    const elsewhere = await uploaded(server, alice.accessToken, secret.id, Buffer.from('x'), 'x.txt');
    const notFound = { code: 'not_found', message: 'Attachment not found' };
    await expect(service.findForSend(carol.user.id, lobby.id, [first.id])).rejects.toMatchObject(notFound);
    await expect(service.findForSend(alice.user.id, lobby.id, [first.id, elsewhere.id])).rejects.toMatchObject(notFound);
    await expect(service.findForSend(alice.user.id, lobby.id, ['00000000-0000-4000-8000-000000000000'])).rejects.toMatchObject(notFound);
    const message = await send(alice, lobby.id, 'sent', [second.id, first.id]);
    await expect(service.findForSend(alice.user.id, lobby.id, [first.id])).rejects.toMatchObject(notFound);
    // Stored with the message, in the order they were sent with it.
    expect(message.attachments?.map((attachment) => attachment.id)).toEqual([second.id, first.id]);
    const positions = await db.query<Array<{ id: string; message_position: number }>>(
      `SELECT id, message_position FROM attachments WHERE message_id = $1 ORDER BY message_position`,
      [message.id],
    );
    expect(positions).toEqual([
      { id: second.id, message_position: 0 },
      { id: first.id, message_position: 1 },
    ]);
  });

  it('removes the attachments of a deleted room, row and bytes', async () => {
    const room = await api.createRoom(alice.accessToken, uniqueName('Doomed'));
    const sent = await uploaded(server, alice.accessToken, room.id, randomBinary(500), 'sent.bin');
    const unsent = await uploaded(server, alice.accessToken, room.id, randomBinary(500), 'unsent.bin');
    await send(alice, room.id, 'file', [sent.id]);
    expect((await api.request('DELETE', `/api/rooms/${room.id}`, { token: alice.accessToken })).status).toBe(204);
    await eventually(
      async () => (await db.query<unknown[]>(`SELECT 1 FROM attachments WHERE id = ANY($1::uuid[])`, [[sent.id, unsent.id]])).length === 0,
      10_000,
      'the deleted room’s attachments to be swept',
    );
    expect((await chunksOf(sent.id)) + (await chunksOf(unsent.id))).toBe(0);
  });

  it('removes the files of a deleted message after the retention (0 here), row and bytes, and serves them no more', async () => {
    const attachment = await uploaded(server, alice.accessToken, lobby.id, randomBinary(1000), 'gone.bin');
    const message = await send(alice, lobby.id, 'with a file', [attachment.id]);
    expect(await chunksOf(attachment.id)).toBe(1);
    expect((await api.request('DELETE', `/api/rooms/${lobby.id}/messages/${message.id}`, { token: alice.accessToken })).status).toBe(204);
    await eventually(async () => (await chunksOf(attachment.id)) === 0, 10_000, 'the sweep to remove the deleted message’s file');
    expect((await db.query<unknown[]>(`SELECT 1 FROM attachments WHERE id = $1`, [attachment.id])).length).toBe(0);
    expect((await download(server, attachment.url)).status).toBe(404);
  });
});

describe('attachments: unsent uploads expire (contract §11)', () => {
  let server: RunningServer;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-attachments-'));
    server = await startTestServer({ ATTACHMENT_STORAGE: 'filesystem', ATTACHMENT_DIR: dir, ATTACHMENT_UNSENT_TTL_MS: '1000', ATTACHMENT_SWEEP_INTERVAL_MS: '100' });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('removes an upload never sent, row and file, once ATTACHMENT_UNSENT_TTL_MS has passed', async () => {
    const api = new Api(server.url);
    const alice = await api.register(uniqueName('alice'));
    const room = await api.createRoom(alice.accessToken, uniqueName('Drafts'));
    const attachment = await uploaded(server, alice.accessToken, room.id, await png(20, 20), 'draft.png');
    const files = join(dir, attachment.id.slice(0, 2));
    expect(readdirSync(files).filter((name) => name.startsWith(attachment.id)).sort()).toEqual([`${attachment.id}.file`, `${attachment.id}.thumbnail`]);
    const db = server.app.get(DataSource);
    await eventually(async () => (await db.query<unknown[]>(`SELECT 1 FROM attachments WHERE id = $1`, [attachment.id])).length === 0, 10_000, 'the unsent upload to be swept');
    await eventually(() => readdirSync(files).filter((name) => name.startsWith(attachment.id)).length === 0, 5000, 'its files to be removed');
    expect((await download(server, attachment.url)).status).toBe(404);
  });
});

describe('attachments: the sweep on several instances (contract §11)', () => {
  let servers: RunningServer[] = [];
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-attachments-'));
    // No timer (a day): the test runs both instances' sweeps itself, at the same moments.
    servers = await startTestCluster(2, { ATTACHMENT_STORAGE: 'filesystem', ATTACHMENT_DIR: dir, ATTACHMENT_UNSENT_TTL_MS: '1000', ATTACHMENT_SWEEP_INTERVAL_MS: '86400000' });
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('removes each expired attachment once, whichever instance gets it, sweeping at the same time', async () => {
    const [first, second] = servers as [RunningServer, RunningServer];
    const api = new Api(first.url);
    const alice = await api.register(uniqueName('alice'));
    const room = await api.createRoom(alice.accessToken, uniqueName('Shared'));
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await uploaded(i % 2 === 0 ? first : second, alice.accessToken, room.id, randomBinary(2000), `f${i}.bin`)).id);
    // Uploaded on one instance, readable on the other: the directory is shared.
    expect((await download(second, `/api/attachments/${ids[0]}`, bearer(alice))).status).toBe(200);
    const sweepers = servers.map((server) => server.app.get(AttachmentSweeper));
    let removed = 0;
    await eventually(
      async () => {
        removed += (await Promise.all(sweepers.map((sweeper) => sweeper.sweep()))).reduce((sum, count) => sum + count, 0);
        return removed >= ids.length;
      },
      10_000,
      'the uploads to expire and be swept',
    );
    expect(removed).toBe(ids.length);
    expect(ids.filter((id) => existsSync(join(dir, id.slice(0, 2), `${id}.file`)))).toEqual([]);
  });
});
