import type { AuthResult, ErrorBody, Message, MessagePage, MessageReactionsEvent, ReactionResult, Room, RoomJoinResult } from '@parley/contract';
import type { RunningServer } from '../apps/server/src/server';
import { Api, openSocket, emitAck, emitOk, expectNothing, nextEvent, uniqueName, type TestSocket } from './support/client';
import { startTestCluster } from './support/server';

/** Reactions (contract §4): toggled over sockets and REST, counted per emoji, told to every instance's subscribers. */
describe('reactions, two instances', () => {
  let servers: RunningServer[];
  let apiA: Api;
  let apiB: Api;
  let alice: AuthResult;
  let bob: AuthResult;
  let room: Room;
  let aliceSocket: TestSocket;
  let bobSocket: TestSocket;

  const send = async (content: string, target = room): Promise<Message> => {
    const result = await apiA.post<Message>(`/api/rooms/${target.id}/messages`, { content }, alice.accessToken);
    expect(result.status).toBe(201);
    return result.body;
  };
  const reactRest = (message: Message, body: object, as = bob, api = apiB) =>
    api.post<ReactionResult & ErrorBody>(`/api/rooms/${message.roomId}/messages/${message.id}/reactions`, body, as.accessToken);
  const historyOf = async (message: Message, as: AuthResult): Promise<Message> => {
    const page = await apiA.get<MessagePage>(`/api/rooms/${message.roomId}/messages?after=${message.seq - 1}&limit=1`, as.accessToken);
    return page.body.messages[0]!;
  };

  beforeAll(async () => {
    servers = await startTestCluster(2);
    apiA = new Api(servers[0]!.url);
    apiB = new Api(servers[1]!.url);
    [alice, bob] = await Promise.all([apiA.register(uniqueName('reacts')), apiA.register(uniqueName('reacts'))]);
    room = await apiA.createRoom(alice.accessToken, uniqueName('Reactions'));
    expect((await apiB.post(`/api/rooms/${room.id}/join`, {}, bob.accessToken)).status).toBe(200);
    [aliceSocket, bobSocket] = await Promise.all([openSocket(servers[0]!.url, alice.accessToken), openSocket(servers[1]!.url, bob.accessToken)]);
    await Promise.all([emitOk(aliceSocket, 'room:join', { roomId: room.id }), emitOk(bobSocket, 'room:join', { roomId: room.id })]);
  });
  afterAll(async () => {
    aliceSocket?.close();
    bobSocket?.close();
    await Promise.all((servers ?? []).map((server) => server.close()));
  });

  it('toggles over the socket, counts per emoji, and tells the other instance', async () => {
    const message = await send('Ship it?');
    const heard = nextEvent<MessageReactionsEvent>(aliceSocket, 'message:reactions', (e) => e.messageId === message.id);
    const on = await emitOk<ReactionResult>(bobSocket, 'reaction:toggle', { messageId: message.id, emoji: '👍' });
    expect(on).toEqual({ messageId: message.id, emoji: '👍', on: true, reactions: [{ emoji: '👍', count: 1, me: true }] });
    const event = await heard;
    expect(event).toMatchObject({ roomId: room.id, emoji: '👍', added: true, reactions: [{ emoji: '👍', count: 1 }] });
    expect(event.user.id).toBe(bob.user.id);

    // A shortcode is its emoji: Alice's :thumbsup: adds to Bob's 👍.
    const both = await emitOk<ReactionResult>(aliceSocket, 'reaction:toggle', { messageId: message.id, emoji: ':thumbsup:' });
    expect(both.reactions).toEqual([{ emoji: '👍', count: 2, me: true }]);
    await emitOk(aliceSocket, 'reaction:toggle', { messageId: message.id, emoji: '🎉' });
    // Each reader sees its own `me` in history, emoji in the order first used.
    expect((await historyOf(message, bob)).reactions).toEqual([
      { emoji: '👍', count: 2, me: true },
      { emoji: '🎉', count: 1, me: false },
    ]);
    expect((await historyOf(message, alice)).reactions).toEqual([
      { emoji: '👍', count: 2, me: true },
      { emoji: '🎉', count: 1, me: true },
    ]);
    // …and with room:join's messages.
    const joined = await emitOk<RoomJoinResult>(bobSocket, 'room:join', { roomId: room.id, limit: 1 });
    expect(joined.messages[0]!.reactions).toEqual([
      { emoji: '👍', count: 2, me: true },
      { emoji: '🎉', count: 1, me: false },
    ]);

    // Toggling again takes it off.
    const off = await emitOk<ReactionResult>(bobSocket, 'reaction:toggle', { messageId: message.id, emoji: '👍' });
    expect(off.on).toBe(false);
    expect(off.reactions).toEqual([
      { emoji: '👍', count: 1, me: false },
      { emoji: '🎉', count: 1, me: false },
    ]);
  });

  it('sets with `on` over REST so a retry cannot flip it back, and an unchanged reaction tells nobody', async () => {
    const message = await send('Retry-safe');
    const first = nextEvent<MessageReactionsEvent>(aliceSocket, 'message:reactions', (e) => e.messageId === message.id);
    expect((await reactRest(message, { emoji: '🔥', on: true })).body.on).toBe(true);
    await first;
    await expectNothing<{ messageId?: string; content?: string }>(
      aliceSocket,
      'message:reactions',
      (e) => e.messageId === message.id,
      async () => {
        const again = await reactRest(message, { emoji: '🔥', on: true });
        expect(again.status).toBe(200);
        expect(again.body.reactions).toEqual([{ emoji: '🔥', count: 1, me: true }]);
      },
      { event: 'message:new', match: (m) => m.content === 'marker after a repeated reaction', send: () => send('marker after a repeated reaction') },
    );
    expect((await reactRest(message, { emoji: '🔥', on: false })).body.reactions).toEqual([]);
  });

  it('refuses what is not one emoji, a 21st emoji, a deleted message, outsiders and the muted', async () => {
    const message = await send('Validate me');
    for (const emoji of ['a', '👍👍', ':nope:', '', 'x'.repeat(65), 42]) {
      const answer = await emitAck(bobSocket, 'reaction:toggle', { messageId: message.id, emoji });
      expect(answer.ok ? 'accepted' : answer.error.code).toBe('validation_failed');
    }
    const unknownField = await emitAck(bobSocket, 'reaction:toggle', { messageId: message.id, emoji: '👍', extra: 1 });
    expect(unknownField.ok ? 'accepted' : unknownField.error.code).toBe('validation_failed');

    const emoji = ['😀', '😃', '😄', '😁', '😆', '😅', '🤣', '😂', '🙂', '🙃', '😉', '😊', '😇', '🥰', '😍', '🤩', '😘', '😗', '😚', '😙'];
    for (const e of emoji) expect((await reactRest(message, { emoji: e, on: true })).status).toBe(200);
    const full = await reactRest(message, { emoji: '🤔', on: true }, alice, apiA);
    expect(full.status).toBe(409);
    expect(full.body.message).toMatch(/at most 20 different emoji/);
    // An emoji already there can still be added to.
    expect((await reactRest(message, { emoji: '😀', on: true }, alice, apiA)).body.reactions[0]).toEqual({ emoji: '😀', count: 2, me: true });

    const outsider = await apiA.register(uniqueName('outsider'));
    const secret = await apiA.createRoom(alice.accessToken, uniqueName('Secret'), 'private');
    const hidden = await send('hidden', secret);
    const invisible = await reactRest(hidden, { emoji: '👍' }, outsider);
    expect(invisible.status).toBe(404);
    const notMember = await reactRest(message, { emoji: '👍' }, outsider);
    expect(notMember.status).toBe(403);

    expect((await apiA.post(`/api/rooms/${room.id}/members/${bob.user.id}/mute`, {}, alice.accessToken)).status).toBe(200);
    const muted = await emitAck(bobSocket, 'reaction:toggle', { messageId: message.id, emoji: '👍' });
    expect(muted.ok ? 'accepted' : muted.error.message).toBe('You are muted in this room');
    expect((await apiA.request('DELETE', `/api/rooms/${room.id}/members/${bob.user.id}/mute`, { token: alice.accessToken })).status).toBe(204);

    expect((await apiA.request('DELETE', `/api/rooms/${room.id}/messages/${message.id}`, { token: alice.accessToken })).status).toBe(204);
    const deleted = await reactRest(message, { emoji: '👍' });
    expect(deleted.status).toBe(409);
    expect((await historyOf(message, bob)).reactions).toEqual([]);
  });

  it('never passes 20 different emoji when reactions race, and loses or doubles none', async () => {
    const message = await send('Everyone react');
    const people = await Promise.all(Array.from({ length: 12 }, () => apiA.register(uniqueName('crowd'))));
    await Promise.all(people.map((person) => apiB.post(`/api/rooms/${room.id}/join`, {}, person.accessToken)));
    const emoji = ['😀', '😃', '😄', '😁', '😆', '😅', '🤣', '😂', '🙂', '🙃', '😉', '😊', '😇', '🥰', '😍', '🤩', '😘', '😗', '😚', '😙', '🤔', '🤨', '😐', '😑'];
    // Every person puts two new emoji and the shared 👍 at once, half of them through each instance.
    const attempts = people.flatMap((person, i) => [emoji[2 * i]!, emoji[2 * i + 1]!, '👍'].map((e) => ({ person, emoji: e, api: i % 2 ? apiA : apiB })));
    const results = await Promise.all(attempts.map((attempt) => reactRest(message, { emoji: attempt.emoji, on: true }, attempt.person, attempt.api)));
    const stored = (await historyOf(message, alice)).reactions!;
    expect(stored).toHaveLength(20);
    const kept = new Set(stored.map((r) => r.emoji));
    // Accepted exactly for the emoji that are stored, refused (409) exactly for the others…
    expect(results.map((result) => result.status)).toEqual(attempts.map((attempt) => (kept.has(attempt.emoji) ? 200 : 409)));
    // …and every accepted reaction is counted once.
    expect(stored.reduce((sum, r) => sum + r.count, 0)).toBe(results.filter((result) => result.status === 200).length);
  });
});
