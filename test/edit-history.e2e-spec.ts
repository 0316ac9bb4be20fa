import type { AuthResult, ErrorBody, Message, MessageVersion, Room } from '@parley/contract';
import { DataSource } from 'typeorm';
import type { RunningServer } from '../apps/server/src/server';
import { Api, openSocket, emitOk, uniqueName } from './support/client';
import { startTestServer } from './support/server';

/** Edit history (contract §4): each edit keeps the text it replaced, for the room's members; deletion removes it. */
describe('message edit history', () => {
  let server: RunningServer;
  let api: Api;
  let alice: AuthResult;
  let bob: AuthResult;
  let room: Room;

  const send = async (content: string, target = room, as = alice): Promise<Message> => {
    const result = await api.post<Message>(`/api/rooms/${target.id}/messages`, { content }, as.accessToken);
    expect(result.status).toBe(201);
    return result.body;
  };
  const edit = (message: Message, content: string): Promise<{ status: number; body: Message }> =>
    api.request<Message>('PATCH', `/api/rooms/${message.roomId}/messages/${message.id}`, { body: { content }, token: alice.accessToken });
  const versions = async (message: Message, as = alice): Promise<MessageVersion[]> => {
    const result = await api.get<MessageVersion[]>(`/api/rooms/${message.roomId}/messages/${message.id}/edits`, as.accessToken);
    expect(result.status).toBe(200);
    return result.body;
  };

  beforeAll(async () => {
    server = await startTestServer();
    api = new Api(server.url);
    [alice, bob] = await Promise.all([api.register(uniqueName('edits')), api.register(uniqueName('edits'))]);
    room = await api.createRoom(alice.accessToken, uniqueName('Edits'));
  });
  afterAll(() => server.close());

  it('keeps each replaced text, oldest first, with when it was written and replaced, from REST and socket edits alike', async () => {
    const original = await send('first draft');
    expect(await versions(original)).toEqual([]);
    const second = (await edit(original, 'second draft')).body;
    const socket = await openSocket(server.url, alice.accessToken);
    try {
      await emitOk(socket, 'room:join', { roomId: room.id });
      await emitOk<Message>(socket, 'message:edit', { messageId: original.id, content: 'third draft' });
    } finally {
      socket.close();
    }
    // An edit to the same text changes nothing worth keeping.
    const current = (await edit(original, 'third draft')).body;
    expect(current.content).toBe('third draft');

    const history = await versions(original);
    expect(history.map((v) => v.content)).toEqual(['first draft', 'second draft']);
    expect(history[0]!.writtenAt).toBe(original.createdAt);
    expect(history[0]!.replacedAt).toBe(second.editedAt);
    expect(history[1]!.writtenAt).toBe(history[0]!.replacedAt);
    expect(Date.parse(history[1]!.replacedAt)).toBeLessThanOrEqual(Date.parse(current.editedAt!));
    // Any member may read it, not only the author.
    await api.post(`/api/rooms/${room.id}/join`, {}, bob.accessToken);
    expect((await versions(original, bob)).map((v) => v.content)).toEqual(['first draft', 'second draft']);
  });

  it('loses no version when edits race: every replaced text is kept once, in the order the edits committed', async () => {
    const message = await send('v0');
    const texts = Array.from({ length: 12 }, (_, i) => `v${i + 1}`);
    const results = await Promise.all(texts.map((text) => edit(message, text)));
    expect(results.every((result) => result.status === 200)).toBe(true);
    const history = await versions(message);
    const final = (await api.get<{ messages: Message[] }>(`/api/rooms/${room.id}/messages?after=${message.seq - 1}&limit=1`, alice.accessToken)).body.messages[0]!;
    // The versions and the current text are v0 and the twelve edits, each exactly once…
    expect([...history.map((v) => v.content), final.content].sort()).toEqual(['v0', ...texts].sort());
    expect(history[0]!.content).toBe('v0');
    // …and they form one chain: each version was written when the one before it was replaced.
    for (let i = 1; i < history.length; i++) expect(history[i]!.writtenAt).toBe(history[i - 1]!.replacedAt);
  });

  it('removes the history with the text when the message is deleted', async () => {
    const message = await send('something I regret');
    await edit(message, 'something milder');
    expect(await versions(message)).toHaveLength(1);
    const removed = await api.request('DELETE', `/api/rooms/${room.id}/messages/${message.id}`, { token: alice.accessToken });
    expect(removed.status).toBe(204);
    expect(await versions(message)).toEqual([]);
    const rows = await server.app.get(DataSource).query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM message_edits WHERE message_id = $1`, [message.id]);
    expect(rows[0]!.n).toBe(0);
  });

  it('is for members only: a private room stays invisible, a public one is refused, a message of another room is not found', async () => {
    const secret = await api.createRoom(alice.accessToken, uniqueName('Secret'), 'private');
    const hidden = await send('hidden', secret);
    await api.request('PATCH', `/api/rooms/${secret.id}/messages/${hidden.id}`, { body: { content: 'hidden, edited' }, token: alice.accessToken });
    const outsider = await api.register(uniqueName('outsider'));
    const privateAnswer = await api.get<ErrorBody>(`/api/rooms/${secret.id}/messages/${hidden.id}/edits`, outsider.accessToken);
    expect(privateAnswer.status).toBe(404);
    expect(privateAnswer.body.code).toBe('not_found');

    const open = await send('in the open');
    const publicAnswer = await api.get<ErrorBody>(`/api/rooms/${room.id}/messages/${open.id}/edits`, outsider.accessToken);
    expect(publicAnswer.status).toBe(403);
    expect(publicAnswer.body.code).toBe('forbidden');

    const wrongRoom = await api.get<ErrorBody>(`/api/rooms/${room.id}/messages/${hidden.id}/edits`, alice.accessToken);
    expect(wrongRoom.status).toBe(404);
    const malformed = await api.get<ErrorBody>(`/api/rooms/${room.id}/messages/not-a-uuid/edits`, alice.accessToken);
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('validation_failed');
  });
});
