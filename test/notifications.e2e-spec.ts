import type { RunningServer } from '../apps/server/src/server';
import type { AuthResult, DurableNotification, ErrorBody, MessageNotification, Room } from '@parley/contract';
import { Api, eventually, uniqueName } from './support/client';
import { startTestCluster } from './support/server';
import { SseClient } from './support/sse';

/** Notifications over SSE (contract §6) on two instances sharing Redis and PostgreSQL. */
describe('notifications (SSE) across instances', () => {
  let servers: RunningServer[];
  let apiA: Api;
  let apiB: Api;
  const streams: SseClient[] = [];

  const stream = async (server: RunningServer, user: AuthResult, headers: Record<string, string> = {}, query = ''): Promise<SseClient> => {
    const client = await SseClient.connect(`${server.url}/api/notifications/stream?token=${user.accessToken}${query}`, headers);
    streams.push(client);
    expect(client.status).toBe(200);
    return client;
  };

  beforeAll(async () => {
    servers = await startTestCluster(2, { SSE_KEEPALIVE_MS: '200' });
    apiA = new Api(servers[0]!.url);
    apiB = new Api(servers[1]!.url);
  });
  afterEach(async () => {
    await Promise.all(streams.splice(0).map((client) => client.close()));
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  it('refuses a stream without a valid token with a 401 JSON error, and sets SSE headers otherwise', async () => {
    const anonymous = await SseClient.connect(`${servers[0]!.url}/api/notifications/stream`);
    expect(anonymous.status).toBe(401);
    expect((anonymous.body as ErrorBody).code).toBe('unauthorized');
    const badToken = await SseClient.connect(`${servers[0]!.url}/api/notifications/stream?token=nope`);
    expect(badToken.status).toBe(401);
    const user = await apiA.register(uniqueName('sh'));
    const client = await SseClient.connect(`${servers[0]!.url}/api/notifications/stream`, { authorization: `Bearer ${user.accessToken}` });
    streams.push(client);
    expect(client.status).toBe(200);
    expect(client.headers?.get('content-type')).toMatch(/^text\/event-stream/);
    expect(client.headers?.get('cache-control')).toMatch(/no-cache/);
    expect(client.headers?.get('x-accel-buffering')).toBe('no');
  });

  it('sends a keep-alive comment at the configured interval', async () => {
    const user = await apiA.register(uniqueName('ka'));
    const client = await stream(servers[0]!, user);
    await eventually(() => client.comments.filter((comment) => comment === 'keep-alive').length >= 2, 3000, 'keep-alives');
  });

  it('delivers an event raised on instance A to a stream held by instance B', async () => {
    const [alice, bob] = await Promise.all([apiA.register(uniqueName('na')), apiB.register(uniqueName('nb'))]);
    const room = await apiA.createRoom(alice.accessToken, uniqueName('Notify'));
    await apiB.post(`/api/rooms/${room.id}/join`, undefined, bob.accessToken);
    const bobStream = await stream(servers[1]!, bob);
    const aliceStream = await stream(servers[0]!, alice);
    await apiA.post(`/api/rooms/${room.id}/messages`, { content: 'hello bob, this is alice' }, alice.accessToken);
    await eventually(() => bobStream.of('message.created').length === 1, 3000, 'message.created on B');
    expect(bobStream.of<MessageNotification>('message.created')[0]).toEqual({
      id: undefined,
      // seq 1 is bob's join: a system message, which notifies nobody.
      data: { roomId: room.id, messageId: expect.any(String), seq: 2, author: alice.user, preview: 'hello bob, this is alice' },
    });
    // Not to the author: the first message.created Alice hears is Bob's answer, sent after hers on the same path.
    await apiB.post(`/api/rooms/${room.id}/messages`, { content: 'hi alice' }, bob.accessToken);
    await eventually(() => aliceStream.of<MessageNotification>('message.created').some((event) => event.data.preview === 'hi alice'), 3000, "Bob's answer at Alice");
    expect(aliceStream.of<MessageNotification>('message.created').map((event) => event.data.preview)).toEqual(['hi alice']);
  });

  it('delivers one message notification to every other member, on both instances (one publish for all of them)', async () => {
    const [alice, bob, carol, dave] = await Promise.all(['ra', 'rb', 'rc', 'rd'].map((prefix) => apiA.register(uniqueName(prefix))));
    const room = await apiA.createRoom(alice!.accessToken, uniqueName('Fanout'));
    for (const member of [bob!, carol!, dave!]) await apiA.post(`/api/rooms/${room.id}/join`, undefined, member.accessToken);
    const onB = await stream(servers[1]!, bob!);
    const onA = await stream(servers[0]!, carol!);
    const alsoOnB = await stream(servers[1]!, dave!);
    const authorStream = await stream(servers[0]!, alice!);
    await apiA.post(`/api/rooms/${room.id}/messages`, { content: 'to all three of you' }, alice!.accessToken);
    for (const [name, client] of [['bob', onB], ['carol', onA], ['dave', alsoOnB]] as const) {
      await eventually(() => client.of('message.created').length === 1, 3000, `message.created for ${name}`);
      // Seqs 1–3: the three joins (system messages, which notify nobody).
      expect(client.of<MessageNotification>('message.created')[0]?.data).toMatchObject({ roomId: room.id, seq: 4, preview: 'to all three of you' });
    }
    // Markers on the same path, sent after: Bob's answer (heard by all but Bob), then Carol's (heard by Bob too).
    // Once each stream has its markers, the author's own notification or a duplicate would have arrived.
    await apiA.post(`/api/rooms/${room.id}/messages`, { content: 'from bob' }, bob!.accessToken);
    await apiA.post(`/api/rooms/${room.id}/messages`, { content: 'from carol' }, carol!.accessToken);
    const heard = (client: SseClient): string[] => client.of<MessageNotification>('message.created').map((event) => event.data.preview).sort();
    const expected: Array<[SseClient, string[]]> = [
      [authorStream, ['from bob', 'from carol']],
      [onB, ['from carol', 'to all three of you']],
      [onA, ['from bob', 'to all three of you']],
      [alsoOnB, ['from bob', 'from carol', 'to all three of you']],
    ];
    await eventually(() => expected.every(([client, previews]) => previews.every((preview) => heard(client).includes(preview))), 3000, 'the markers');
    for (const [client, previews] of expected) expect(heard(client)).toEqual(previews);
  });

  it('sends durable mentions with ids, only to users who can see the room', async () => {
    const [alice, bob, carol] = await Promise.all([apiA.register(uniqueName('ma')), apiA.register(uniqueName('mb')), apiB.register(uniqueName('mc'))]);
    const secret = await apiA.createRoom(alice.accessToken, uniqueName('MSecret'), 'private');
    await apiA.post(`/api/rooms/${secret.id}/members`, { userId: bob.user.id }, alice.accessToken);
    const bobStream = await stream(servers[1]!, bob);
    const carolStream = await stream(servers[1]!, carol);
    await apiA.post(`/api/rooms/${secret.id}/messages`, { content: `hi @${bob.user.username} and @${carol.user.username}, mail me at x@${bob.user.username}` }, alice.accessToken);
    await eventually(() => bobStream.of('mention').length === 1, 3000, 'mention');
    const mention = bobStream.of<MessageNotification>('mention')[0]!;
    expect(mention.id).toMatch(/^\d+$/);
    expect(mention.data).toMatchObject({ roomId: secret.id, seq: 2, author: alice.user }); // seq 1: bob being added
    // The marker: a mention of Carol in a public room, on the same path (her user channel) after the secret one.
    const lobby = await apiA.createRoom(alice.accessToken, uniqueName('MLobby'));
    await apiA.post(`/api/rooms/${lobby.id}/messages`, { content: `@${carol.user.username} over here` }, alice.accessToken);
    await eventually(() => carolStream.of<MessageNotification>('mention').some((event) => event.data.roomId === lobby.id), 3000, "Carol's marker mention");
    expect(carolStream.events.filter((event) => JSON.stringify(event.data).includes(secret.id))).toEqual([]);

    const listed = await apiB.get<DurableNotification[]>('/api/notifications?unread=true', bob.accessToken);
    // Newest first: the mention, then the room.invited of being added to the room.
    expect(listed.body).toEqual([
      { id: Number(mention.id), type: 'mention', data: mention.data, createdAt: expect.any(String), readAt: null },
      { id: Number(mention.id) - 1, type: 'room.invited', data: expect.objectContaining({ id: secret.id }), createdAt: expect.any(String), readAt: null },
    ]);
    expect((await apiA.post('/api/notifications/read', { upToId: Number(mention.id) }, bob.accessToken)).status).toBe(204);
    expect((await apiB.get<DurableNotification[]>('/api/notifications?unread=true', bob.accessToken)).body).toEqual([]);
    expect((await apiB.get<DurableNotification[]>('/api/notifications', bob.accessToken)).body[0]?.readAt).toEqual(expect.any(String));
    const beyond = await apiA.post<ErrorBody>('/api/notifications/read', { upToId: 999 }, bob.accessToken);
    expect(beyond.body.code).toBe('validation_failed');
  });

  it('replays after Last-Event-ID on the other instance with no gap and no duplicate, then goes live', async () => {
    const [alice, bob] = await Promise.all([apiA.register(uniqueName('ra')), apiA.register(uniqueName('rb'))]);
    const room = await apiA.createRoom(alice.accessToken, uniqueName('Replay'));
    const first = await stream(servers[0]!, bob);
    for (let i = 1; i <= 3; i++) await apiA.post(`/api/rooms/${room.id}/messages`, { content: `@${bob.user.username} ${i}` }, alice.accessToken);
    await eventually(() => first.of('mention').length === 3, 3000, 'three mentions');
    const lastSeen = first.of('mention')[1]!.id!; // pretend the third was lost with the connection
    await first.close();

    // While disconnected: two more, one of them a DM notification.
    await apiB.post(`/api/rooms/${room.id}/messages`, { content: `@${bob.user.username} 4` }, alice.accessToken);
    await apiA.post('/api/dms', { userId: bob.user.id }, alice.accessToken);

    const resumed = await stream(servers[1]!, bob, { 'last-event-id': lastSeen });
    await eventually(() => resumed.events.filter((event) => event.id).length === 3, 3000, 'replay');
    await apiB.post(`/api/rooms/${room.id}/messages`, { content: `@${bob.user.username} 5 (live)` }, alice.accessToken);
    await eventually(() => resumed.events.filter((event) => event.id).length === 4, 3000, 'live after replay');
    const durable = resumed.events.filter((event) => event.id);
    expect(durable.map((event) => Number(event.id))).toEqual([Number(lastSeen) + 1, Number(lastSeen) + 2, Number(lastSeen) + 3, Number(lastSeen) + 4]);
    expect(durable.map((event) => event.event)).toEqual(['mention', 'mention', 'dm.created', 'mention']);
    expect((durable[2]!.data as Room).kind).toBe('direct');

    // The query parameter works for the first connection too, and a bad header is refused.
    const viaQuery = await stream(servers[0]!, bob, {}, `&lastEventId=${lastSeen}`);
    await eventually(() => viaQuery.events.filter((event) => event.id).length === 4, 3000, 'replay via query');
    const bad = await SseClient.connect(`${servers[0]!.url}/api/notifications/stream?token=${bob.accessToken}`, { 'last-event-id': 'abc' });
    expect(bad.status).toBe(400);
  });

  it('tells invited users (durable room.invited) and members about joins and leaves', async () => {
    const [alice, bob, carol] = await Promise.all([apiA.register(uniqueName('ia')), apiA.register(uniqueName('ib')), apiA.register(uniqueName('ic'))]);
    const room = await apiA.createRoom(alice.accessToken, uniqueName('Invite'), 'private');
    const aliceStream = await stream(servers[0]!, alice);
    const bobStream = await stream(servers[1]!, bob);
    const carolStream = await stream(servers[1]!, carol);
    await apiA.post(`/api/rooms/${room.id}/members`, { userId: bob.user.id }, alice.accessToken);
    await eventually(() => bobStream.of('room.invited').length === 1 && aliceStream.of('member.joined').length === 1, 3000, 'invite');
    expect(bobStream.of<Room>('room.invited')[0]!.data).toMatchObject({ id: room.id, joined: true, role: 'member' });
    expect(bobStream.of<Room>('room.invited')[0]!.id).toMatch(/^\d+$/);
    await apiB.post(`/api/rooms/${room.id}/leave`, undefined, bob.accessToken);
    await eventually(() => aliceStream.of('member.left').length === 1 && bobStream.of('member.left').length === 1, 3000, 'leave');
    // The marker: a mention of Carol in a public room, on the same path (her user channel) after the others.
    const lobby = await apiA.createRoom(alice.accessToken, uniqueName('ILobby'));
    await apiA.post(`/api/rooms/${lobby.id}/messages`, { content: `@${carol.user.username} over here` }, alice.accessToken);
    await eventually(() => carolStream.of<MessageNotification>('mention').some((event) => event.data.roomId === lobby.id), 3000, "Carol's marker mention");
    expect(carolStream.events.filter((event) => JSON.stringify(event.data).includes(room.id))).toEqual([]);
  });

  it('announces public rooms to everyone and private rooms to their members only', async () => {
    const [alice, bob] = await Promise.all([apiA.register(uniqueName('pa')), apiB.register(uniqueName('pb'))]);
    const bobStream = await stream(servers[1]!, bob);
    const aliceStream = await stream(servers[0]!, alice);
    const open = await apiA.createRoom(alice.accessToken, uniqueName('PublicNews'));
    const hidden = await apiA.createRoom(alice.accessToken, uniqueName('PrivateNews'), 'private');
    await eventually(() => bobStream.of<Room>('room.created').some((event) => event.data.id === open.id), 3000, 'public room.created');
    await eventually(() => aliceStream.of<Room>('room.created').some((event) => event.data.id === hidden.id), 3000, 'private room.created to its member');
    // The marker: another public room, announced on the same path after the private one.
    const later = await apiA.createRoom(alice.accessToken, uniqueName('LaterNews'));
    await eventually(() => bobStream.of<Room>('room.created').some((event) => event.data.id === later.id), 3000, 'the later public room.created');
    expect(bobStream.of<Room>('room.created').map((event) => event.data.id)).toEqual([open.id, later.id]);
  });

  it('releases streams when clients go away (no leak after 200 connect/disconnect cycles)', async () => {
    const user = await apiA.register(uniqueName('leak'));
    const { NotificationStreams } = await import('@parley/notifications');
    const registry = servers[1]!.app.get(NotificationStreams);
    const before = registry.size;
    for (let i = 0; i < 200; i++) {
      const client = await SseClient.connect(`${servers[1]!.url}/api/notifications/stream?token=${user.accessToken}`);
      await client.close();
    }
    await eventually(() => registry.size === before, 5000, 'streams released');
  });
});
