import type { Attachment, AuthResult, ErrorBody, Message, MessageAttachment, MessagePage, Room } from '@parley/contract';
import sharp from 'sharp';
import { DataSource } from 'typeorm';
import { RoomWriter } from '../libs/messages/src/room-writer';
import type { RunningServer } from '../apps/server/src/server';
import { download, uploaded } from './support/attachments';
import { Api, emitAck, emitOk, eventually, nextEvent, openSocket, uniqueName, type TestSocket } from './support/client';
import { holdWriterShard, sendStatementWaitingOnLock } from './support/send-path';
import { startTestCluster } from './support/server';

/**
 * Messages with attachments (contract §1, §4, §5, §11) on two instances with two writer shards: sent over the
 * socket and REST, stored with the message in the room's seq, delivered to the other instance with it, and
 * claimed once; signed URLs for the readers; what a deleted message leaves.
 */
describe('messages with attachments, two instances', () => {
  let servers: RunningServer[];
  let apiA: Api;
  let apiB: Api;
  let alice: AuthResult;
  let bob: AuthResult;
  let carol: AuthResult;
  let room: Room;
  let aliceSocket: TestSocket;
  let bobSocket: TestSocket;

  const png = (width: number, height: number): Promise<Buffer> =>
    sharp({ create: { width, height, channels: 3, background: { r: 20, g: 120, b: 200 } } })
      .png()
      .toBuffer();
  const facts = (attachment: Attachment): MessageAttachment => {
    const { url: _url, thumbnailUrl, ...rest } = attachment;
    return { ...rest, hasThumbnail: thumbnailUrl !== undefined };
  };
  const lastSeq = async (target: Room): Promise<number> => {
    const page = await apiA.get<MessagePage>(`/api/rooms/${target.id}/messages?limit=1`, alice.accessToken);
    return page.body.messages.at(-1)?.seq ?? 0;
  };
  const refusedSend = async (payload: Record<string, unknown>, as = alice): Promise<{ status: number; code: string }> => {
    const result = await apiA.post<ErrorBody>(`/api/rooms/${room.id}/messages`, payload, as.accessToken);
    return { status: result.status, code: result.body.code };
  };

  beforeAll(async () => {
    servers = await startTestCluster(2, { WRITER_SHARDS: '2' });
    apiA = new Api(servers[0]!.url);
    apiB = new Api(servers[1]!.url);
    [alice, bob, carol] = (await Promise.all(['alice', 'bob', 'carol'].map((name) => apiA.register(uniqueName(name))))) as [AuthResult, AuthResult, AuthResult];
    room = await apiA.createRoom(alice.accessToken, uniqueName('Photos'), 'private');
    expect((await apiA.post(`/api/rooms/${room.id}/members`, { userId: bob.user.id }, alice.accessToken)).status).toBe(201);
    aliceSocket = await openSocket(servers[0]!.url, alice.accessToken);
    bobSocket = await openSocket(servers[1]!.url, bob.accessToken);
    await emitOk(aliceSocket, 'room:join', { roomId: room.id });
    await emitOk(bobSocket, 'room:join', { roomId: room.id });
  });
  afterAll(async () => {
    aliceSocket?.close();
    bobSocket?.close();
    await Promise.all((servers ?? []).map((server) => server.close()));
  });

  it('sends images over the socket with no text (type image): the ack, the other instance and history carry them in order', async () => {
    const [wide, tall] = [await uploaded(servers[0]!, alice.accessToken, room.id, await png(64, 32), 'wide.png'), await uploaded(servers[0]!, alice.accessToken, room.id, await png(20, 40), 'tall.png')];
    const atBob = nextEvent<Message>(bobSocket, 'message:new', (message) => message.attachments !== undefined && message.attachments[0]?.id === tall.id);
    const ack = await emitOk<Message>(aliceSocket, 'message:send', { roomId: room.id, content: '', attachments: [tall.id, wide.id] });
    expect(ack).toMatchObject({ type: 'image', content: '', attachments: [facts(tall), facts(wide)] });
    expect(ack.attachments?.[0]).toEqual({ id: tall.id, name: 'tall.png', size: tall.size, contentType: 'image/png', width: 20, height: 40, hasThumbnail: true });
    expect(await atBob).toEqual(ack);
    const page = await apiB.get<MessagePage>(`/api/rooms/${room.id}/messages?limit=5`, bob.accessToken);
    expect(page.body.messages.find((message) => message.id === ack.id)).toMatchObject({ type: 'image', attachments: [facts(tall), facts(wide)] });
  });

  it('sends a file with text over REST (type file, any non-image makes it so); members download it, others get nothing', async () => {
    const report = await uploaded(servers[1]!, alice.accessToken, room.id, Buffer.from('%PDF-1.4\n%…\n'), 'report.pdf');
    const photo = await uploaded(servers[1]!, alice.accessToken, room.id, await png(10, 10), 'photo.png');
    const sent = await apiB.post<Message>(`/api/rooms/${room.id}/messages`, { content: 'The report, and a photo', attachments: [report.id, photo.id] }, alice.accessToken);
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ type: 'file', content: 'The report, and a photo', attachments: [facts(report), facts(photo)] });
    expect(report.contentType).toBe('application/pdf');

    // Bob, a member, reads it with his token and through URLs signed for him; Carol (no member of the private room) cannot.
    expect((await download(servers[0]!, `/api/attachments/${report.id}`, { authorization: `Bearer ${bob.accessToken}` })).bytes.toString()).toBe('%PDF-1.4\n%…\n');
    const urls = await apiA.post<{ attachments: Attachment[] }>('/api/attachments/urls', { ids: [photo.id, report.id, '00000000-0000-4000-8000-000000000000'] }, bob.accessToken);
    expect(urls.status).toBe(200);
    expect(urls.body.attachments.map((attachment) => attachment.id)).toEqual([photo.id, report.id]);
    const signed = urls.body.attachments[0]!;
    expect(signed.url).toContain(`user=${bob.user.id}`);
    expect((await download(servers[1]!, signed.thumbnailUrl!)).headers.get('content-type')).toBe('image/webp');
    expect((await apiA.post<{ attachments: Attachment[] }>('/api/attachments/urls', { ids: [photo.id] }, carol.accessToken)).body).toEqual({ attachments: [] });
    expect((await download(servers[0]!, `/api/attachments/${photo.id}`, { authorization: `Bearer ${carol.accessToken}` })).status).toBe(404);
  });

  it("refuses another user's, another room's, a sent or a made-up attachment with not_found, and stores nothing", async () => {
    const other = await apiA.createRoom(alice.accessToken, uniqueName('Other'));
    const elsewhere = await uploaded(servers[0]!, alice.accessToken, other.id, Buffer.from('x'), 'x.txt');
    const bobs = await uploaded(servers[0]!, bob.accessToken, room.id, Buffer.from('bob'), 'bob.txt');
    const mine = await uploaded(servers[0]!, alice.accessToken, room.id, Buffer.from('mine'), 'mine.txt');
    await apiA.post(`/api/rooms/${room.id}/messages`, { content: 'first', attachments: [mine.id] }, alice.accessToken);
    const before = await lastSeq(room);
    for (const ids of [[elsewhere.id], [bobs.id], [mine.id], ['00000000-0000-4000-8000-000000000000']]) {
      expect(await refusedSend({ content: 'x', attachments: ids })).toEqual({ status: 404, code: 'not_found' });
      const ack = await emitAck(aliceSocket, 'message:send', { roomId: room.id, content: 'x', attachments: ids });
      expect(ack).toMatchObject({ ok: false, error: { code: 'not_found' } });
    }
    expect(await lastSeq(room)).toBe(before);
  });

  it('refuses malformed attachment lists and an empty text without attachments with validation_failed', async () => {
    const file = await uploaded(servers[0]!, alice.accessToken, room.id, Buffer.from('v'), 'v.txt');
    const eleven = Array.from({ length: 11 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    for (const payload of [
      { content: '' },
      { content: '   ' },
      { content: '', attachments: [] },
      { content: 'x', attachments: [file.id, file.id] },
      { content: 'x', attachments: eleven },
      { content: 'x', attachments: ['not-a-uuid'] },
      { content: 'x', attachments: file.id },
    ]) {
      expect(await refusedSend(payload)).toEqual({ status: 400, code: 'validation_failed' });
      expect(await emitAck(aliceSocket, 'message:send', { roomId: room.id, ...payload })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    }
    // Still unsent: it goes out with the next good send.
    expect((await apiA.post<Message>(`/api/rooms/${room.id}/messages`, { content: '', attachments: [file.id] }, alice.accessToken)).body.type).toBe('file');
  });

  it('claims an attachment once when two sends from both instances race for it in one batch', async () => {
    const file = await uploaded(servers[0]!, alice.accessToken, room.id, Buffer.from('once'), 'once.txt');
    const secondAlice = await openSocket(servers[1]!.url, alice.accessToken);
    const shard = await holdWriterShard(servers[0]!, room.id);
    try {
      // A batch held on the writer shard's row; the two racing sends queue behind it and go out together.
      const held = emitAck<Message>(aliceSocket, 'message:send', { roomId: room.id, content: 'held' });
      await sendStatementWaitingOnLock(servers[0]!.app.get(DataSource));
      const racing = Promise.all([
        emitAck<Message>(aliceSocket, 'message:send', { roomId: room.id, content: 'a', attachments: [file.id] }),
        emitAck<Message>(secondAlice, 'message:send', { roomId: room.id, content: 'b', attachments: [file.id] }),
      ]);
      await eventually(() => servers.reduce((queued, server) => queued + server.app.get(RoomWriter, { strict: false }).queuedSends, 0) === 2, 5000, 'both sends to queue');
      await shard.release();
      expect((await held).ok).toBe(true);
      const acks = await racing;
      expect(acks.filter((ack) => ack.ok)).toHaveLength(1);
      expect(acks.filter((ack) => !ack.ok)).toEqual([{ ok: false, error: expect.objectContaining({ code: 'not_found' }) }]);
      const page = await apiA.get<MessagePage>(`/api/rooms/${room.id}/messages?limit=10`, alice.accessToken);
      expect(page.body.messages.filter((message) => message.attachments?.some((attachment) => attachment.id === file.id))).toHaveLength(1);
    } finally {
      await shard.release();
      secondAlice.close();
    }
  });

  it('an edit may remove the caption of a message with attachments (the files stay), never all the text of a message without', async () => {
    const file = await uploaded(servers[0]!, alice.accessToken, room.id, await png(12, 12), 'captioned.png');
    const captioned = (await apiA.post<Message>(`/api/rooms/${room.id}/messages`, { content: 'a caption', attachments: [file.id] }, alice.accessToken)).body;
    const atBob = nextEvent<Message>(bobSocket, 'message:updated', (message) => message.id === captioned.id);
    const edited = await emitOk<Message>(aliceSocket, 'message:edit', { messageId: captioned.id, content: '  ' });
    expect(edited).toMatchObject({ content: '', type: 'image', attachments: [{ id: file.id }], editedAt: expect.any(String) });
    expect((await atBob).attachments).toEqual(edited.attachments);
    const plain = (await apiA.post<Message>(`/api/rooms/${room.id}/messages`, { content: 'just text' }, alice.accessToken)).body;
    const refused = await apiA.request<ErrorBody>('PATCH', `/api/rooms/${room.id}/messages/${plain.id}`, { token: alice.accessToken, body: { content: '' } });
    expect([refused.status, refused.body.code]).toEqual([400, 'validation_failed']);
    expect(await emitAck(aliceSocket, 'message:edit', { messageId: plain.id, content: '' })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
  });

  it('a deleted message shows its attachments no more, and its files are served no more', async () => {
    const file = await uploaded(servers[0]!, alice.accessToken, room.id, await png(8, 8), 'gone.png');
    const message = (await apiA.post<Message>(`/api/rooms/${room.id}/messages`, { content: 'soon gone', attachments: [file.id] }, alice.accessToken)).body;
    expect((await apiA.request('DELETE', `/api/rooms/${room.id}/messages/${message.id}`, { token: alice.accessToken })).status).toBe(204);
    const page = await apiB.get<MessagePage>(`/api/rooms/${room.id}/messages?limit=20`, bob.accessToken);
    const deleted = page.body.messages.find((candidate) => candidate.id === message.id)!;
    expect(deleted.deletedAt).not.toBeNull();
    expect(deleted.attachments).toBeUndefined();
    expect((await apiA.post<{ attachments: Attachment[] }>('/api/attachments/urls', { ids: [file.id] }, bob.accessToken)).body).toEqual({ attachments: [] });
    expect((await download(servers[1]!, `/api/attachments/${file.id}`, { authorization: `Bearer ${bob.accessToken}` })).status).toBe(404);
  });

  it('refuses bad /api/attachments/urls bodies with validation_failed', async () => {
    for (const body of [{}, { ids: [] }, { ids: ['nope'] }, { ids: Array.from({ length: 101 }, () => '00000000-0000-4000-8000-000000000000') }]) {
      const result = await apiA.post<ErrorBody>('/api/attachments/urls', body, alice.accessToken);
      expect([result.status, result.body.code]).toEqual([400, 'validation_failed']);
    }
  });
});
