import type { AuthResult, ErrorBody, Message, MessageChanges, Room, RoomJoinResult } from '@parley/contract';
import type { RunningServer } from '../apps/server/src/server';
import { Api, openSocket, emitAck, emitOk, uniqueName, type TestSocket } from './support/client';
import { startTestCluster } from './support/server';

/**
 * The change cursor (contract §4): a client that was away re-joins with the seq and the change version it had,
 * and gets the messages changed meanwhile (edits, deletions, reactions) in their current state, once each.
 */
describe('changes recovered after being away, two instances', () => {
  let servers: RunningServer[];
  let apiA: Api;
  let alice: AuthResult;
  let bob: AuthResult;
  let room: Room;
  let bobSocket: TestSocket;

  const send = async (content: string): Promise<Message> => {
    const result = await apiA.post<Message>(`/api/rooms/${room.id}/messages`, { content }, alice.accessToken);
    expect(result.status).toBe(201);
    return result.body;
  };
  const edit = (message: Message, content: string) =>
    apiA.request('PATCH', `/api/rooms/${room.id}/messages/${message.id}`, { body: { content }, token: alice.accessToken });

  beforeAll(async () => {
    servers = await startTestCluster(2);
    apiA = new Api(servers[0]!.url);
    [alice, bob] = await Promise.all([apiA.register(uniqueName('changer')), apiA.register(uniqueName('away'))]);
    room = await apiA.createRoom(alice.accessToken, uniqueName('Changes'));
    bobSocket = await openSocket(servers[1]!.url, bob.accessToken);
  });
  afterAll(async () => {
    bobSocket?.close();
    await Promise.all((servers ?? []).map((server) => server.close()));
  });

  it('returns the messages changed while away, in their current state, once each, and nothing twice', async () => {
    const [first, second, third] = [await send('first'), await send('second'), await send('third')];
    const joined = await emitOk<RoomJoinResult>(bobSocket, 'room:join', { roomId: room.id });
    const seenSeq = joined.room.lastSeq;
    await emitOk(bobSocket, 'room:leave', { roomId: room.id });

    // While Bob is away: an edit (twice), a deletion, a reaction, and a new message.
    await edit(first, 'first, edited');
    await edit(first, 'first, edited again');
    expect((await apiA.request('DELETE', `/api/rooms/${room.id}/messages/${second.id}`, { token: alice.accessToken })).status).toBe(204);
    expect((await apiA.post(`/api/rooms/${room.id}/messages/${third.id}/reactions`, { emoji: '🎉' }, alice.accessToken)).status).toBe(200);
    const fourth = await send('fourth');

    const back = await emitOk<RoomJoinResult>(bobSocket, 'room:join', { roomId: room.id, sinceSeq: seenSeq, sinceVersion: joined.changeVersion });
    expect(back.messages.map((m) => m.content)).toEqual(['fourth']);
    // Ordered by each message's latest change: the two edits of the first came before the deletion.
    expect(back.changes!.map((m) => [m.seq, m.content, m.deletedAt !== null])).toEqual([
      [first.seq, 'first, edited again', false],
      [second.seq, '', true],
      [third.seq, 'third', false],
    ]);
    expect(back.changes!.find((m) => m.id === third.id)!.reactions).toEqual([{ emoji: '🎉', count: 1, me: false }]);
    expect(back.changes!.some((m) => m.id === fourth.id)).toBe(false);
    expect(back.hasMoreChanges).toBe(false);
    expect(back.changeVersion).toBeGreaterThan(joined.changeVersion);

    // From the version it got, there is nothing new.
    const again = await emitOk<RoomJoinResult>(bobSocket, 'room:join', { roomId: room.id, sinceSeq: back.room.lastSeq, sinceVersion: back.changeVersion });
    expect(again.changes).toEqual([]);
    expect(again.changeVersion).toBe(back.changeVersion);
  });

  it('pages the changes over REST from the version the join gave, without gaps or repeats', async () => {
    const start = (await apiA.get<MessageChanges>(`/api/rooms/${room.id}/messages/changes?sinceVersion=0&limit=200`, bob.accessToken)).body.changeVersion;
    const messages: Message[] = [];
    for (let i = 0; i < 5; i++) messages.push(await send(`page ${i}`));
    for (const [i, message] of messages.entries()) await edit(message, `page ${i}, edited`);
    const seen: string[] = [];
    let version = start;
    for (let pages = 0; ; pages++) {
      expect(pages).toBeLessThan(10);
      const page = (await apiA.get<MessageChanges>(`/api/rooms/${room.id}/messages/changes?sinceVersion=${version}&limit=2`, bob.accessToken)).body;
      seen.push(...page.messages.map((m) => m.content));
      expect(page.changeVersion).toBeGreaterThanOrEqual(version);
      version = page.changeVersion;
      if (!page.hasMore) break;
    }
    expect(seen).toEqual(messages.map((_, i) => `page ${i}, edited`));
  });

  it('refuses a bad cursor with a clear error and keeps a private room invisible', async () => {
    const withoutSeq = await emitAck(bobSocket, 'room:join', { roomId: room.id, sinceVersion: 3 });
    expect(withoutSeq.ok ? 'accepted' : withoutSeq.error.code).toBe('validation_failed');
    const negative = await emitAck(bobSocket, 'room:join', { roomId: room.id, sinceSeq: 0, sinceVersion: -1 });
    expect(negative.ok ? 'accepted' : negative.error.code).toBe('validation_failed');
    const missing = await apiA.get<ErrorBody>(`/api/rooms/${room.id}/messages/changes`, bob.accessToken);
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe('validation_failed');
    const secret = await apiA.createRoom(alice.accessToken, uniqueName('Secret'), 'private');
    const hidden = await apiA.get<ErrorBody>(`/api/rooms/${secret.id}/messages/changes?sinceVersion=0`, bob.accessToken);
    expect(hidden.status).toBe(404);
  });
});
