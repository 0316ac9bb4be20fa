import type { AuthResult, ErrorBody, Message, MessageUnpinnedEvent, Pin, Room } from '@parley/contract';
import type { RunningServer } from '../apps/server/src/server';
import { Api, openSocket, emitOk, expectNothing, nextEvent, uniqueName, type TestSocket } from './support/client';
import { startTestCluster } from './support/server';

/** Pinned messages (contract §4): the owner and admins pin, every subscriber on every instance hears it. */
describe('pinned messages, two instances', () => {
  let servers: RunningServer[];
  let apiA: Api;
  let apiB: Api;
  let owner: AuthResult;
  let member: AuthResult;
  let room: Room;
  let memberSocket: TestSocket;

  const send = async (content: string, target = room): Promise<Message> => {
    const result = await apiA.post<Message>(`/api/rooms/${target.id}/messages`, { content }, owner.accessToken);
    expect(result.status).toBe(201);
    return result.body;
  };
  const pin = (message: Message, as = owner, target = room) => apiA.post<Pin & ErrorBody>(`/api/rooms/${target.id}/pins`, { messageId: message.id }, as.accessToken);
  const unpin = (message: Message, as = owner) => apiA.request(`DELETE`, `/api/rooms/${room.id}/pins/${message.id}`, { token: as.accessToken });
  const pinned = async (as = member, api = apiB): Promise<string[]> => {
    const result = await api.get<Pin[]>(`/api/rooms/${room.id}/pins`, as.accessToken);
    expect(result.status).toBe(200);
    return result.body.map((p) => p.message.content);
  };
  /** A message the member's socket must receive after whatever the action caused: the marker of `expectNothing`. */
  const messageMarker = (text: string) => ({ event: 'message:new', match: (m: Message) => m.content === text, send: () => send(text) });

  beforeAll(async () => {
    servers = await startTestCluster(2);
    apiA = new Api(servers[0]!.url);
    apiB = new Api(servers[1]!.url);
    [owner, member] = await Promise.all([apiA.register(uniqueName('pinner')), apiA.register(uniqueName('reader'))]);
    room = await apiA.createRoom(owner.accessToken, uniqueName('Pins'));
    expect((await apiB.post(`/api/rooms/${room.id}/join`, {}, member.accessToken)).status).toBe(200);
    memberSocket = await openSocket(servers[1]!.url, member.accessToken);
    await emitOk(memberSocket, 'room:join', { roomId: room.id });
  });
  afterAll(async () => {
    memberSocket?.close();
    await Promise.all((servers ?? []).map((server) => server.close()));
  });

  it('pins on one instance, tells the subscribers on the other, and lists pins newest first', async () => {
    const first = await send('Release on Friday');
    const second = await send('Standup moved to 10:00');
    const heard = nextEvent<Pin>(memberSocket, 'message:pinned', (p) => p.message.id === first.id);
    const created = await pin(first);
    expect(created.status).toBe(201);
    expect(created.body.message.content).toBe('Release on Friday');
    expect(created.body.pinnedBy?.id).toBe(owner.user.id);
    expect((await heard).pinnedAt).toBe(created.body.pinnedAt);
    expect((await pin(second)).status).toBe(201);
    expect(await pinned()).toEqual(['Standup moved to 10:00', 'Release on Friday']);

    // Pinning again returns the pin as it is, and tells nobody.
    await expectNothing(memberSocket, 'message:pinned', () => true, async () => {
      const again = await pin(first);
      expect(again.status).toBe(200);
      expect(again.body.pinnedAt).toBe(created.body.pinnedAt);
    }, messageMarker('marker after a repeated pin'));
  });

  it('unpins with an event on the other instance; unpinning again is a quiet no-op', async () => {
    const message = await send('Temporary notice');
    await pin(message);
    const heard = nextEvent<MessageUnpinnedEvent>(memberSocket, 'message:unpinned', (e) => e.messageId === message.id);
    expect((await unpin(message)).status).toBe(204);
    expect((await heard).unpinnedBy.id).toBe(owner.user.id);
    expect(await pinned()).not.toContain('Temporary notice');
    await expectNothing(memberSocket, 'message:unpinned', () => true, async () => {
      expect((await unpin(message)).status).toBe(204);
    }, messageMarker('marker after a repeated unpin'));
  });

  it('is for the owner and admins only; a private room stays invisible; deleted and foreign messages are refused', async () => {
    const message = await send('Pin me if you can');
    const refused = await pin(message, member);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('forbidden');
    expect((await unpin(message, member)).status).toBe(403);

    const secret = await apiA.createRoom(owner.accessToken, uniqueName('Secret'), 'private');
    const hidden = await send('secret plan', secret);
    expect((await pin(hidden, owner, secret)).status).toBe(201);
    const outsider = await apiB.get<ErrorBody>(`/api/rooms/${secret.id}/pins`, member.accessToken);
    expect(outsider.status).toBe(404);
    expect(outsider.body.code).toBe('not_found');
    // A message of another room is no message of this one.
    expect((await pin(hidden)).status).toBe(404);
    const malformed = await apiA.post<ErrorBody>(`/api/rooms/${room.id}/pins`, { messageId: 'nope' }, owner.accessToken);
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('validation_failed');

    const doomed = await send('About to be deleted');
    expect((await apiA.request('DELETE', `/api/rooms/${room.id}/messages/${doomed.id}`, { token: owner.accessToken })).status).toBe(204);
    const deleted = await pin(doomed);
    expect(deleted.status).toBe(409);
    expect(deleted.body.code).toBe('conflict');
  });

  it('drops the pin of a message that gets deleted', async () => {
    const message = await send('Pinned, then deleted');
    await pin(message);
    expect(await pinned()).toContain('Pinned, then deleted');
    expect((await apiA.request('DELETE', `/api/rooms/${room.id}/messages/${message.id}`, { token: owner.accessToken })).status).toBe(204);
    expect(await pinned()).not.toContain('Pinned, then deleted');
  });

  it('never passes 50 pins, even when pins race', async () => {
    const crowded = await apiA.createRoom(owner.accessToken, uniqueName('Crowded'));
    const messages: Message[] = [];
    for (let i = 0; i < 56; i++) messages.push(await send(`note ${i}`, crowded));
    const results = await Promise.all(messages.map((message, i) => (i % 2 ? apiB : apiA).post<ErrorBody>(`/api/rooms/${crowded.id}/pins`, { messageId: message.id }, owner.accessToken)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(50);
    const full = results.filter((r) => r.status === 409);
    expect(full).toHaveLength(6);
    expect(full[0]!.body.message).toMatch(/at most 50/);
    expect((await apiA.get<Pin[]>(`/api/rooms/${crowded.id}/pins`, owner.accessToken)).body).toHaveLength(50);
  });
});
