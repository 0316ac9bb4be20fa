import type { RunningServer } from '../apps/server/src/server';
import type { AuthResult, Member, Message, MessagePage, PresenceEvent, ReceiptEvent, Room, RoomJoinResult, TypingEvent } from '@parley/contract';
import { Api, collect, connected, connectSocket, emitAck, emitOk, eventually, expectNothing, nextEvent, nextEventAt, openSocket, uniqueName, type TestSocket } from './support/client';
import { SocketRegistry } from '@parley/realtime';
import { startTestServer } from './support/server';

describe('Socket.IO (contract §5), one instance', () => {
  // Long enough that a message ending the typing state is told apart from its expiry on a loaded machine.
  const TYPING_TIMEOUT_MS = 2000;
  let server: RunningServer;
  let api: Api;
  let alice: AuthResult;
  let bob: AuthResult;
  let carol: AuthResult;
  const sockets: TestSocket[] = [];

  const open = (user: AuthResult, transports?: string[]): Promise<TestSocket> => openSocket(server.url, user, { transports, into: sockets });

  beforeAll(async () => {
    server = await startTestServer({ TYPING_TIMEOUT_MS: String(TYPING_TIMEOUT_MS) });
    api = new Api(server.url);
    [alice, bob, carol] = await Promise.all([api.register(uniqueName('ali')), api.register(uniqueName('bob')), api.register(uniqueName('car'))]);
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.disconnect();
  });
  afterAll(() => server.close());

  describe('handshake', () => {
    it.each([
      ['no token', undefined],
      ['garbage token', 'garbage'],
      ['non-string token', 42 as unknown as string],
    ])('refuses %s with connect_error "unauthorized"', async (_label, token) => {
      const socket = connectSocket(server.url, token);
      sockets.push(socket);
      await expect(connected(socket)).rejects.toThrow('unauthorized');
    });

    it('accepts the token in the query string and over the polling transport', async () => {
      const { io } = await import('socket.io-client');
      const socket = io(server.url, { query: { token: alice.accessToken }, transports: ['polling'], reconnection: false, forceNew: true }) as TestSocket;
      sockets.push(socket);
      await connected(socket);
      const room = await api.createRoom(alice.accessToken, uniqueName('Poll'));
      const joined = await emitOk<RoomJoinResult>(socket, 'room:join', { roomId: room.id });
      expect(joined.room.id).toBe(room.id);
    });
  });

  it('joins a public room as a member, sends, and every subscriber gets message:new after the ack', async () => {
    const room = await api.createRoom(alice.accessToken, uniqueName('Chat'));
    const [a, b] = await Promise.all([open(alice), open(bob)]);
    const joined = await emitOk<RoomJoinResult>(b, 'room:join', { roomId: room.id });
    expect(joined).toEqual({ room: expect.objectContaining({ id: room.id, joined: true, role: 'member' }), messages: [], hasMore: false, changeVersion: 0 });
    await emitOk(a, 'room:join', { roomId: room.id });

    const received = Promise.all([nextEvent<Message>(a, 'message:new'), nextEvent<Message>(b, 'message:new')]);
    const ack = await emitOk<Message>(a, 'message:send', { roomId: room.id, content: '  hello bob  ', clientMsgId: 'c-1' });
    expect(ack).toEqual({
      id: expect.any(String),
      roomId: room.id,
      seq: 2, // seq 1: bob's join (a system message)
      author: alice.user,
      content: 'hello bob',
      clientMsgId: 'c-1',
      createdAt: expect.any(String),
      editedAt: null,
      deletedAt: null,
      type: 'text',
    });
    const [atAlice, atBob] = await received;
    expect(atAlice).toEqual(ack);
    expect(atBob).toEqual(ack);

    // Acked means committed: it is in the history.
    const history = await api.get<MessagePage>(`/api/rooms/${room.id}/messages`, bob.accessToken);
    expect(history.body.messages).toEqual([expect.objectContaining({ seq: 1, type: 'system', event: { kind: 'member_joined', actorId: bob.user.id } }), { ...ack, reactions: [] }]);
  });

  it('a retried clientMsgId returns the stored message, stores nothing and broadcasts nothing', async () => {
    const room = await api.createRoom(alice.accessToken, uniqueName('Idem'));
    const a = await open(alice);
    await emitOk(a, 'room:join', { roomId: room.id });
    const first = await emitOk<Message>(a, 'message:send', { roomId: room.id, content: 'once', clientMsgId: 'retry-me' });
    const extra = collect<Message>(a, 'message:new');
    const retried = await emitOk<Message>(a, 'message:send', { roomId: room.id, content: 'once (retry)', clientMsgId: 'retry-me' });
    expect(retried).toEqual(first);
    const viaRest = await api.post<Message>(`/api/rooms/${room.id}/messages`, { content: 'again', clientMsgId: 'retry-me' }, alice.accessToken);
    expect(viaRest.body).toEqual(first);
    // Concurrent duplicates too.
    const burst = await Promise.all(Array.from({ length: 8 }, () => emitOk<Message>(a, 'message:send', { roomId: room.id, content: 'x', clientMsgId: 'burst' })));
    expect(new Set(burst.map((message) => message.id)).size).toBe(1);
    const next = await emitOk<Message>(a, 'message:send', { roomId: room.id, content: 'next' });
    expect(next.seq).toBe(3);
    await eventually(() => extra.length === 2, 2000, 'two broadcasts');
    expect(extra.map((message) => message.seq)).toEqual([2, 3]);
  });

  it('catches up with sinceSeq (at most 200, hasMore), oldest first', async () => {
    const room = await api.createRoom(alice.accessToken, uniqueName('Catch'));
    for (let i = 1; i <= 205; i++) await api.post(`/api/rooms/${room.id}/messages`, { content: `m${i}` }, alice.accessToken);
    const b = await open(bob);
    const page = await emitOk<RoomJoinResult>(b, 'room:join', { roomId: room.id, sinceSeq: 3 });
    expect(page.messages).toHaveLength(200);
    expect(page.messages[0]?.seq).toBe(4);
    expect(page.messages[199]?.seq).toBe(203);
    expect(page.hasMore).toBe(true);
    const rest = await emitOk<RoomJoinResult>(b, 'room:join', { roomId: room.id, sinceSeq: 203 });
    // bob's join (room:join made him a member) is the room's newest message: a system message after m205.
    expect(rest.messages.map((message) => message.content)).toEqual(['m204', 'm205', `${bob.user.displayName} joined`]);
    expect(rest.hasMore).toBe(false);
    expect(rest.room.lastSeq).toBe(206);
  });

  it('opens a room in one round trip with limit: the newest messages up to lastSeq, then live after it', async () => {
    const room = await api.createRoom(alice.accessToken, uniqueName('Open'));
    for (let i = 1; i <= 7; i++) await api.post(`/api/rooms/${room.id}/messages`, { content: `m${i}` }, alice.accessToken);
    const b = await open(bob);
    const opened = await emitOk<RoomJoinResult>(b, 'room:join', { roomId: room.id, limit: 5 });
    // Joining made bob a member: his join is seq 8, a system message.
    expect(opened.room.lastSeq).toBe(8);
    expect(opened.messages.map((message) => [message.seq, message.content])).toEqual([
      [4, 'm4'],
      [5, 'm5'],
      [6, 'm6'],
      [7, 'm7'],
      [8, `${bob.user.displayName} joined`],
    ]);
    expect(opened.hasMore).toBe(true);
    const live = nextEvent<Message>(b, 'message:new');
    await api.post(`/api/rooms/${room.id}/messages`, { content: 'm9' }, alice.accessToken);
    expect((await live).seq).toBe(9);
    const whole = await emitOk<RoomJoinResult>(b, 'room:join', { roomId: room.id, limit: 200 });
    expect([whole.messages.length, whole.hasMore]).toEqual([9, false]);
    for (const payload of [{ limit: 0 }, { limit: 201 }, { limit: '5' }, { limit: 5, sinceSeq: 1 }]) {
      expect(await emitAck(b, 'room:join', { roomId: room.id, ...payload })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    }
  });

  it('refuses private rooms to non-members with not_found and sending without membership with forbidden', async () => {
    const secret = await api.createRoom(alice.accessToken, uniqueName('Priv'), 'private');
    const open2 = await api.createRoom(alice.accessToken, uniqueName('Pub'));
    const c = await open(carol);
    for (const [event, payload] of [
      ['room:join', { roomId: secret.id }],
      ['message:send', { roomId: secret.id, content: 'hi' }],
      ['message:read', { roomId: secret.id, seq: 1 }],
      ['typing', { roomId: secret.id, isTyping: true }],
    ] as const) {
      const response = await emitAck(c, event, payload);
      expect({ event, response }).toEqual({ event, response: { ok: false, error: { code: 'not_found', message: expect.any(String), requestId: expect.any(String) } } });
    }
    const notMember = await emitAck(c, 'message:send', { roomId: open2.id, content: 'hi' });
    expect(notMember).toEqual({ ok: false, error: { code: 'forbidden', message: expect.any(String), requestId: expect.any(String) } });
    expect(c.connected).toBe(true);
  });

  it('edits and deletes (soft), broadcasting message:updated and message:deleted', async () => {
    const room = await api.createRoom(alice.accessToken, uniqueName('Edit'));
    const [a, b] = await Promise.all([open(alice), open(bob)]);
    await emitOk(a, 'room:join', { roomId: room.id });
    await emitOk(b, 'room:join', { roomId: room.id });
    const message = await emitOk<Message>(a, 'message:send', { roomId: room.id, content: 'typo' });

    const notAuthor = await emitAck(b, 'message:edit', { messageId: message.id, content: 'hijack' });
    expect(notAuthor).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    const updatedEvent = nextEvent<Message>(b, 'message:updated');
    const edited = await emitOk<Message>(a, 'message:edit', { messageId: message.id, content: 'fixed' });
    expect(edited).toMatchObject({ id: message.id, seq: message.seq, content: 'fixed', editedAt: expect.any(String) });
    expect(await updatedEvent).toEqual(edited);

    expect(await emitAck(b, 'message:delete', { messageId: message.id })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const deletedEvent = nextEvent(b, 'message:deleted');
    expect(await emitOk(a, 'message:delete', { messageId: message.id })).toEqual({});
    expect(await deletedEvent).toEqual({ roomId: room.id, id: message.id, seq: message.seq });
    const history = await api.get<MessagePage>(`/api/rooms/${room.id}/messages`, bob.accessToken);
    expect(history.body.messages.at(-1)).toMatchObject({ id: message.id, seq: message.seq, content: '', deletedAt: expect.any(String) });
    expect(await emitAck(a, 'message:edit', { messageId: message.id, content: 'too late' })).toMatchObject({ ok: false, error: { code: 'conflict' } });
  });

  it('lets the room owner delete anyone\'s message', async () => {
    const room = await api.createRoom(alice.accessToken, uniqueName('Mod'));
    await api.post(`/api/rooms/${room.id}/join`, undefined, bob.accessToken);
    const message = (await api.post<Message>(`/api/rooms/${room.id}/messages`, { content: 'spam' }, bob.accessToken)).body;
    const a = await open(alice);
    expect(await emitOk(a, 'message:delete', { messageId: message.id })).toEqual({});
  });

  it('sends receipts when the read marker moves forward', async () => {
    const room = await api.createRoom(alice.accessToken, uniqueName('Read'));
    const [a, b] = await Promise.all([open(alice), open(bob)]);
    await emitOk(a, 'room:join', { roomId: room.id });
    await emitOk(b, 'room:join', { roomId: room.id });
    await emitOk(a, 'message:send', { roomId: room.id, content: 'one' });
    await emitOk(a, 'message:send', { roomId: room.id, content: 'two' });
    await emitOk(a, 'message:send', { roomId: room.id, content: 'three' });
    const receipt = nextEvent<ReceiptEvent>(a, 'receipt');
    expect(await emitOk(b, 'message:read', { roomId: room.id, seq: 2 })).toEqual({});
    expect(await receipt).toEqual({ roomId: room.id, userId: bob.user.id, seq: 2 });
    // Moving back announces nothing: the next move forward is the first receipt after it.
    await expectNothing<ReceiptEvent>(a, 'receipt', (event) => event.seq !== 3, () => emitOk(b, 'message:read', { roomId: room.id, seq: 1 }), {
      event: 'receipt',
      match: (event: ReceiptEvent) => event.seq === 3,
      send: () => emitOk(b, 'message:read', { roomId: room.id, seq: 3 }),
    });
  });

  it('relays typing to others only and expires it without a refresh', async () => {
    const room = await api.createRoom(alice.accessToken, uniqueName('Type'));
    const [a, a2, b] = await Promise.all([open(alice), open(alice), open(bob)]);
    for (const socket of [a, a2, b]) await emitOk(socket, 'room:join', { roomId: room.id });
    const ownEcho = collect<TypingEvent>(a2, 'typing');
    const started = nextEvent<TypingEvent>(b, 'typing');
    // Expiry: not before the timeout (timed in the listener; 20 ms for the clocks' rounding), waited for with
    // a deadline of the timeout plus a margin for a loaded machine.
    const expired = nextEventAt<TypingEvent>(b, 'typing', (event) => !event.isTyping, TYPING_TIMEOUT_MS + 10_000);
    const typingAt = Date.now();
    expect(await emitOk(a, 'typing', { roomId: room.id, isTyping: true })).toEqual({});
    expect(await started).toEqual({ roomId: room.id, user: alice.user, isTyping: true });
    const stopped = await expired;
    expect(stopped.payload).toEqual({ roomId: room.id, user: alice.user, isTyping: false });
    expect(stopped.receivedAt - typingAt).toBeGreaterThanOrEqual(TYPING_TIMEOUT_MS - 20);
    expect(ownEcho).toEqual([]);

    // Sending a message ends typing at once: well before the state would have expired by itself.
    const ended = nextEventAt<TypingEvent>(b, 'typing', (event) => !event.isTyping, TYPING_TIMEOUT_MS + 10_000);
    const againAt = Date.now();
    await emitOk(a, 'typing', { roomId: room.id, isTyping: true });
    await emitOk(a, 'message:send', { roomId: room.id, content: 'done typing' });
    expect((await ended).receivedAt - againAt).toBeLessThan(TYPING_TIMEOUT_MS);
  });

  it('announces presence on first subscribe and last unsubscribe, counted per socket', async () => {
    const room = await api.createRoom(alice.accessToken, uniqueName('Pres'));
    const a = await open(alice);
    // The joiner's own `online` may follow the ack (the Redis adapter delivers locally after publishing).
    const ownOnline = nextEvent<PresenceEvent>(a, 'presence', (event) => event.user.id === alice.user.id);
    await emitOk(a, 'room:join', { roomId: room.id });
    expect(await ownOnline).toEqual({ roomId: room.id, user: alice.user, status: 'online' });
    const events = collect<PresenceEvent>(a, 'presence');
    const b1 = await open(bob);
    await emitOk(b1, 'room:join', { roomId: room.id });
    const b2 = await open(bob);
    await emitOk(b2, 'room:join', { roomId: room.id });
    await eventually(() => events.length === 1, 2000, 'online');
    expect(events[0]).toEqual({ roomId: room.id, user: bob.user, status: 'online' });
    const members = await api.get<Member[]>(`/api/rooms/${room.id}/members`, alice.accessToken);
    expect(members.body.find((member) => member.user.id === bob.user.id)?.online).toBe(true);

    // Bob's first socket going away leaves him online (no presence); Carol's join, processed after the
    // server saw that disconnect, is the marker on the same path.
    const registry = server.app.get(SocketRegistry);
    const gone = b1.id;
    const c = await open(carol);
    await expectNothing<PresenceEvent>(
      a,
      'presence',
      (event) => event.user.id === bob.user.id,
      async () => {
        b1.disconnect();
        await eventually(() => registry.allLocalSockets().every((socket) => socket.id !== gone), 2000, 'the server to see the disconnect');
      },
      { event: 'presence', match: (event: PresenceEvent) => event.user.id === carol.user.id, send: () => emitOk(c, 'room:join', { roomId: room.id }) },
    );
    await emitOk(b2, 'room:leave', { roomId: room.id });
    await eventually(() => events.some((event) => event.user.id === bob.user.id && event.status === 'offline'), 2000, 'offline');
    expect(events.filter((event) => event.user.id === bob.user.id)).toEqual([
      { roomId: room.id, user: bob.user, status: 'online' },
      { roomId: room.id, user: bob.user, status: 'offline' },
    ]);
    const after = await api.get<Member[]>(`/api/rooms/${room.id}/members`, alice.accessToken);
    expect(after.body.find((member) => member.user.id === bob.user.id)?.online).toBe(false);
  });

  it('room:leave stops delivery to that socket but keeps the membership', async () => {
    const room = await api.createRoom(alice.accessToken, uniqueName('Leave'));
    const b = await open(bob);
    await emitOk(b, 'room:join', { roomId: room.id });
    const other = await api.createRoom(alice.accessToken, uniqueName('Still'));
    await emitOk(b, 'room:join', { roomId: other.id });
    expect(await emitOk(b, 'room:leave', { roomId: room.id })).toEqual({});
    // The marker: a message in a room the socket still listens to, sent after the unseen one.
    await expectNothing<Message>(
      b,
      'message:new',
      (message) => message.roomId === room.id,
      () => api.post(`/api/rooms/${room.id}/messages`, { content: 'unseen' }, alice.accessToken),
      { event: 'message:new', match: (message: Message) => message.roomId === other.id, send: () => api.post(`/api/rooms/${other.id}/messages`, { content: 'seen' }, alice.accessToken) },
    );
    expect((await api.get<Room>(`/api/rooms/${room.id}`, bob.accessToken)).body.joined).toBe(true);
  });

  it('announces member:joined / member:left and cuts a kicked user off at once', async () => {
    const room = await api.createRoom(alice.accessToken, uniqueName('Members'));
    const a = await open(alice);
    await emitOk(a, 'room:join', { roomId: room.id });
    const joinedEvent = nextEvent(a, 'member:joined');
    const b = await open(bob);
    await emitOk(b, 'room:join', { roomId: room.id });
    expect(await joinedEvent).toEqual({ roomId: room.id, user: bob.user });
    const lobby = await api.createRoom(alice.accessToken, uniqueName('Lobby'));
    await emitOk(b, 'room:join', { roomId: lobby.id });

    const leftAtBob = nextEvent(b, 'member:left');
    const leftAtAlice = nextEvent(a, 'member:left');
    expect((await api.request('DELETE', `/api/rooms/${room.id}/members/${bob.user.id}`, { token: alice.accessToken })).status).toBe(204);
    expect(await leftAtBob).toEqual({ roomId: room.id, user: bob.user });
    expect(await leftAtAlice).toEqual({ roomId: room.id, user: bob.user });
    await expectNothing<Message>(
      b,
      'message:new',
      (message) => message.roomId === room.id,
      () => emitOk(a, 'message:send', { roomId: room.id, content: 'after the kick' }),
      { event: 'message:new', match: (message: Message) => message.roomId === lobby.id, send: () => api.post(`/api/rooms/${lobby.id}/messages`, { content: 'marker' }, alice.accessToken) },
    );
    expect(await emitAck(b, 'message:send', { roomId: room.id, content: 'let me back' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('broadcasts room:updated (room-wide fields) and room:deleted', async () => {
    const room = await api.createRoom(alice.accessToken, uniqueName('Upd'));
    const b = await open(bob);
    await emitOk(b, 'room:join', { roomId: room.id });
    const updated = nextEvent<Room>(b, 'room:updated');
    await api.request('PATCH', `/api/rooms/${room.id}`, { token: alice.accessToken, body: { description: 'new topic' } });
    expect(await updated).toMatchObject({ id: room.id, description: 'new topic', joined: true, role: null, unreadCount: null, memberCount: 2 });
    const deleted = nextEvent(b, 'room:deleted');
    await api.request('DELETE', `/api/rooms/${room.id}`, { token: alice.accessToken });
    expect(await deleted).toEqual({ roomId: room.id });
    expect(await emitAck(b, 'room:join', { roomId: room.id })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('delivers REST sends to socket subscribers like socket sends', async () => {
    const room = await api.createRoom(alice.accessToken, uniqueName('Rest'));
    const b = await open(bob);
    await emitOk(b, 'room:join', { roomId: room.id });
    const received = nextEvent<Message>(b, 'message:new');
    const sent = await api.post<Message>(`/api/rooms/${room.id}/messages`, { content: 'from REST' }, alice.accessToken);
    expect(sent.status).toBe(201);
    expect(await received).toEqual(sent.body);
  });

  it('applies the per-user send rate limit with rate_limited', async () => {
    const limited = await startTestServer({ SEND_RATE_LIMIT: '3', SEND_RATE_WINDOW_MS: '60000' });
    try {
      const limitedApi = new Api(limited.url);
      const user = await limitedApi.register(uniqueName('rl'));
      const room = await limitedApi.createRoom(user.accessToken, uniqueName('Rate'));
      const socket = connectSocket(limited.url, user.accessToken);
      sockets.push(socket);
      await connected(socket);
      const results = [];
      for (let i = 0; i < 5; i++) results.push(await emitAck(socket, 'message:send', { roomId: room.id, content: `m${i}` }));
      expect(results.map((result) => result.ok)).toEqual([true, true, true, false, false]);
      expect(results[3]).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
      const rest = await limitedApi.post<{ code: string }>(`/api/rooms/${room.id}/messages`, { content: 'rest' }, user.accessToken);
      expect(rest.status).toBe(429);
      expect(rest.headers.get('retry-after')).toMatch(/^\d+$/);
    } finally {
      await limited.close();
    }
  });
});
