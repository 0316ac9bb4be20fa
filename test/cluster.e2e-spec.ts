import type { RunningServer } from '../apps/server/src/server';
import type { AuthResult, ErrorBody, Member, Message, PresenceEvent, ReceiptEvent, Room, TypingEvent } from '@parley/contract';
import { Api, collect, emitAck, emitOk, eventually, expectNothing, nextEvent, nextEventAt, openSocket, sentSeqs, uniqueName, type TestSocket } from './support/client';
import { SocketRegistry } from '@parley/realtime';
import { startTestCluster } from './support/server';

/** Two instances in this process sharing PostgreSQL and Redis: every event must cross between them. */
describe('cluster of two instances (Redis adapter, cluster bus, shared presence and limits)', () => {
  const TYPING_TIMEOUT_MS = 500;
  let servers: RunningServer[];
  let apiA: Api;
  let apiB: Api;
  let alice: AuthResult;
  let bob: AuthResult;
  let carol: AuthResult;
  const sockets: TestSocket[] = [];

  const open = (server: RunningServer, user: AuthResult): Promise<TestSocket> => openSocket(server.url, user, { into: sockets });

  beforeAll(async () => {
    servers = await startTestCluster(2, { TYPING_TIMEOUT_MS: String(TYPING_TIMEOUT_MS), SEND_RATE_LIMIT: '5', SEND_RATE_WINDOW_MS: '60000' });
    apiA = new Api(servers[0]!.url);
    apiB = new Api(servers[1]!.url);
    [alice, bob, carol] = await Promise.all([apiA.register(uniqueName('ca')), apiB.register(uniqueName('cb')), apiA.register(uniqueName('cc'))]);
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.disconnect();
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  it('reports Redis in /api/health', async () => {
    const health = await apiB.get<{ status: string; checks: Record<string, { status: string }> }>('/api/health');
    expect(health.status).toBe(200);
    expect(health.body.checks).toEqual({ database: { status: 'up' }, redis: { status: 'up' } });
  });

  it('carries every room event from one instance to subscribers on the other', async () => {
    const room = await apiA.createRoom(alice.accessToken, uniqueName('Cross'));
    const a = await open(servers[0]!, alice);
    await emitOk(a, 'room:join', { roomId: room.id });

    const joined = nextEvent(a, 'member:joined');
    const presence = nextEvent<PresenceEvent>(a, 'presence', (event) => event.user.id === bob.user.id);
    const b = await open(servers[1]!, bob);
    await emitOk(b, 'room:join', { roomId: room.id });
    expect(await joined).toEqual({ roomId: room.id, user: bob.user });
    expect(await presence).toEqual({ roomId: room.id, user: bob.user, status: 'online' });

    const atA = nextEvent<Message>(a, 'message:new');
    const sent = await emitOk<Message>(b, 'message:send', { roomId: room.id, content: 'from B' });
    expect(await atA).toEqual(sent);

    const updated = nextEvent<Message>(a, 'message:updated');
    await emitOk(b, 'message:edit', { messageId: sent.id, content: 'from B, edited' });
    expect((await updated).content).toBe('from B, edited');

    // The typing state ends by itself TYPING_TIMEOUT_MS after it was set, announced across instances: not
    // before (timed in the listener; 20 ms for the two clocks' rounding), and waited for with a deadline of the
    // timeout plus a margin for a loaded machine rather than a fixed window.
    const typing = nextEvent<TypingEvent>(a, 'typing', (event) => event.isTyping);
    const stopped = nextEventAt<TypingEvent>(a, 'typing', (event) => !event.isTyping, TYPING_TIMEOUT_MS + 10_000);
    const typingSetAt = Date.now();
    await emitOk(b, 'typing', { roomId: room.id, isTyping: true });
    expect(await typing).toEqual({ roomId: room.id, user: bob.user, isTyping: true });
    const { payload: ended, receivedAt: endedAt } = await stopped;
    expect(ended).toEqual({ roomId: room.id, user: bob.user, isTyping: false });
    expect(endedAt - typingSetAt).toBeGreaterThanOrEqual(TYPING_TIMEOUT_MS - 20);

    const receipt = nextEvent<ReceiptEvent>(b, 'receipt');
    await emitOk(a, 'message:read', { roomId: room.id, seq: sent.seq });
    expect(await receipt).toEqual({ roomId: room.id, userId: alice.user.id, seq: sent.seq });

    const deleted = nextEvent(a, 'message:deleted');
    await emitOk(b, 'message:delete', { messageId: sent.id });
    expect(await deleted).toEqual({ roomId: room.id, id: sent.id, seq: sent.seq });

    const roomUpdated = nextEvent<Room>(b, 'room:updated');
    await apiA.request('PATCH', `/api/rooms/${room.id}`, { token: alice.accessToken, body: { description: 'changed on A' } });
    expect((await roomUpdated).description).toBe('changed on A');

    const left = nextEvent(a, 'member:left');
    const offline = nextEvent<PresenceEvent>(a, 'presence', (event) => event.status === 'offline');
    await apiB.post(`/api/rooms/${room.id}/leave`, undefined, bob.accessToken);
    expect(await left).toEqual({ roomId: room.id, user: bob.user });
    expect(await offline).toEqual({ roomId: room.id, user: bob.user, status: 'offline' });

    await apiB.post(`/api/rooms/${room.id}/join`, undefined, bob.accessToken);
    await emitOk(b, 'room:join', { roomId: room.id });
    const roomDeleted = nextEvent(b, 'room:deleted');
    await apiA.request('DELETE', `/api/rooms/${room.id}`, { token: alice.accessToken });
    expect(await roomDeleted).toEqual({ roomId: room.id });
  });

  it('keeps seq order for every subscriber with concurrent senders on both instances', async () => {
    const users = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? apiB : apiA).register(uniqueName(`o${i}`))));
    const room = await apiA.createRoom(users[0]!.accessToken, uniqueName('Order'));
    const group = await Promise.all(users.map((user, i) => open(servers[i % 2]!, user)));
    for (const socket of group) await emitOk(socket, 'room:join', { roomId: room.id });
    const inboxes = group.map((socket) => collect<Message>(socket, 'message:new'));
    const total = 24; // 4 per user: within the shared limit of 5
    const acks = await Promise.all(
      Array.from({ length: total }, (_, i) => emitOk<Message>(group[i % group.length]!, 'message:send', { roomId: room.id, content: `m${i}` })),
    );
    // Seqs 1–5 are the five joins (system messages, before the inboxes); the sends follow, gapless.
    const joins = group.length - 1;
    expect(acks.map((message) => message.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: total }, (_, i) => joins + i + 1));
    // The last joins' lines may reach another instance's subscribers after their own join was acked: only the sends count.
    await eventually(() => inboxes.every((inbox) => sentSeqs(inbox).length >= total), 10_000, 'deliveries on both instances');
    for (const inbox of inboxes) expect(sentSeqs(inbox)).toEqual(Array.from({ length: total }, (_, i) => joins + i + 1));
  });

  it('counts presence across instances: offline only when the last socket anywhere leaves', async () => {
    const room = await apiA.createRoom(alice.accessToken, uniqueName('Pres'));
    const watcher = await open(servers[0]!, alice);
    // The joiner's own `online` may follow the ack (the Redis adapter delivers locally after publishing).
    const ownOnline = nextEvent<PresenceEvent>(watcher, 'presence', (event) => event.user.id === alice.user.id);
    await emitOk(watcher, 'room:join', { roomId: room.id });
    expect(await ownOnline).toEqual({ roomId: room.id, user: alice.user, status: 'online' });
    const events = collect<PresenceEvent>(watcher, 'presence');
    const onA = await open(servers[0]!, carol);
    const onB = await open(servers[1]!, carol);
    await emitOk(onA, 'room:join', { roomId: room.id });
    await emitOk(onB, 'room:join', { roomId: room.id });
    await eventually(() => events.length >= 1, 3000, 'online');
    const members = await apiB.get<Member[]>(`/api/rooms/${room.id}/members`, alice.accessToken);
    expect(members.body.find((member) => member.user.id === carol.user.id)?.online).toBe(true);
    // Carol's socket on A going away leaves her online (no presence); Bob's join on A, processed after A saw
    // that disconnect, is the marker on the same path.
    const registryA = servers[0]!.app.get(SocketRegistry);
    const gone = onA.id;
    const bobOnA = await open(servers[0]!, bob);
    await expectNothing<PresenceEvent>(
      watcher,
      'presence',
      (event) => event.user.id === carol.user.id,
      async () => {
        onA.disconnect();
        await eventually(() => registryA.allLocalSockets().every((socket) => socket.id !== gone), 3000, 'instance A to see the disconnect');
      },
      { event: 'presence', match: (event: PresenceEvent) => event.user.id === bob.user.id, send: () => emitOk(bobOnA, 'room:join', { roomId: room.id }) },
    );
    onB.disconnect();
    await eventually(() => events.some((event) => event.user.id === carol.user.id && event.status === 'offline'), 3000, 'offline');
    expect(events.filter((event) => event.user.id === carol.user.id)).toEqual([
      { roomId: room.id, user: carol.user, status: 'online' },
      { roomId: room.id, user: carol.user, status: 'offline' },
    ]);
    const after = await apiA.get<Member[]>(`/api/rooms/${room.id}/members`, alice.accessToken);
    expect(after.body.find((member) => member.user.id === carol.user.id)?.online).toBe(false);
  });

  it('kicks cluster-wide: the kicked user\'s sockets on every instance stop receiving at once', async () => {
    const room = await apiA.createRoom(alice.accessToken, uniqueName('Kick'));
    await apiA.post(`/api/rooms/${room.id}/join`, undefined, carol.accessToken);
    const owner = await open(servers[0]!, alice);
    const carolA = await open(servers[0]!, carol);
    const carolB = await open(servers[1]!, carol);
    const lobby = await apiA.createRoom(alice.accessToken, uniqueName('Lobby'));
    for (const socket of [owner, carolA, carolB]) await emitOk(socket, 'room:join', { roomId: room.id });
    // Bob sends the marker from A, as the owner does (the owner's sends are counted by the shared limit).
    const bobOnA = await open(servers[0]!, bob);
    for (const socket of [carolA, carolB, bobOnA]) await emitOk(socket, 'room:join', { roomId: lobby.id });
    // Each instance tells its own subscribers, then unsubscribes them: once both of Carol's sockets heard
    // member:left, neither is in the room any more (waiting for B's alone left A's unsubscription racing the send).
    const left = [carolA, carolB].map((socket) => nextEvent(socket, 'member:left'));
    expect((await apiB.request('DELETE', `/api/rooms/${room.id}/members/${carol.user.id}`, { token: alice.accessToken })).status).toBe(204);
    expect(await Promise.all(left)).toEqual([
      { roomId: room.id, user: carol.user },
      { roomId: room.id, user: carol.user },
    ]);
    // The marker: a message in a room both of Carol's sockets still listen to, sent after the forbidden one.
    await expectNothing<Message>(
      [carolA, carolB],
      'message:new',
      (message) => message.roomId === room.id,
      () => emitOk(owner, 'message:send', { roomId: room.id, content: 'carol must not see this' }),
      { event: 'message:new', match: (message: Message) => message.roomId === lobby.id, send: () => emitOk(bobOnA, 'message:send', { roomId: lobby.id, content: 'marker' }) },
    );
  });

  it('returns the same message for a clientMsgId retried on the other instance', async () => {
    const room = await apiA.createRoom(alice.accessToken, uniqueName('Retry'));
    const first = await apiA.post<Message>(`/api/rooms/${room.id}/messages`, { content: 'once', clientMsgId: 'cross-1' }, alice.accessToken);
    const retry = await apiB.post<Message>(`/api/rooms/${room.id}/messages`, { content: 'once', clientMsgId: 'cross-1' }, alice.accessToken);
    expect(retry.body).toEqual(first.body);
    const socketB = await open(servers[1]!, alice);
    const viaSocket = await emitOk<Message>(socketB, 'message:send', { roomId: room.id, content: 'once', clientMsgId: 'cross-1' });
    expect(viaSocket).toEqual(first.body);
  });

  it('shares the per-user send limit across instances', async () => {
    const user = await apiA.register(uniqueName('lim'));
    const room = await apiA.createRoom(user.accessToken, uniqueName('Limit'));
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const api = i % 2 ? apiB : apiA;
      statuses.push((await api.post<ErrorBody>(`/api/rooms/${room.id}/messages`, { content: `n${i}` }, user.accessToken)).status);
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429]);
    const socket = await open(servers[1]!, user);
    expect(await emitAck(socket, 'message:send', { roomId: room.id, content: 'over' })).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
  });
});
