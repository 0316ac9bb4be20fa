import type { RunningServer } from '../apps/server/src/server';
import type {
  AuthResult,
  Conversation,
  ConversationPage,
  ConversationUpdatedEvent,
  ErrorBody,
  Message,
  MessageNotification,
  Room,
  UnreadTotals,
} from '@parley/contract';
import { Api, connected, connectSocket, emitOk, eventually, expectNothing, nextEvent, uniqueName, type TestSocket } from './support/client';
import { startTestCluster } from './support/server';
import { SseClient } from './support/sse';

/** Issue 17 §3 and §4 on two instances sharing PostgreSQL and Redis: the conversation list, its live updates, group DMs. */
describe('conversations and group DMs (two instances)', () => {
  let servers: RunningServer[];
  let apiA: Api;
  let apiB: Api;
  let alice: AuthResult;
  let bob: AuthResult;
  let carol: AuthResult;
  let dave: AuthResult;
  const sockets: TestSocket[] = [];
  const streams: SseClient[] = [];

  const open = async (server: RunningServer, user: AuthResult): Promise<TestSocket> => {
    const socket = connectSocket(server.url, user.accessToken);
    sockets.push(socket);
    return connected(socket);
  };
  const watch = async (server: RunningServer, user: AuthResult): Promise<{ socket: TestSocket; page: ConversationPage }> => {
    const socket = await open(server, user);
    return { socket, page: await emitOk<ConversationPage>(socket, 'conversations:watch', {}) };
  };
  const list = async (api: Api, user: AuthResult, query = ''): Promise<ConversationPage> => {
    const result = await api.get<ConversationPage>(`/api/conversations${query}`, user.accessToken);
    expect(result.status).toBe(200);
    return result.body;
  };
  const find = async (api: Api, user: AuthResult, roomId: string): Promise<Conversation | undefined> =>
    (await list(api, user, '?limit=100')).conversations.find((entry) => entry.room.id === roomId);
  const send = async (api: Api, user: AuthResult, roomId: string, content: string): Promise<Message> => {
    const result = await api.post<Message>(`/api/rooms/${roomId}/messages`, { content }, user.accessToken);
    expect(result.status).toBe(201);
    return result.body;
  };
  const join = async (api: Api, user: AuthResult, roomId: string): Promise<void> => {
    expect((await api.post(`/api/rooms/${roomId}/join`, {}, user.accessToken)).status).toBe(200);
  };
  const stream = async (server: RunningServer, user: AuthResult): Promise<SseClient> => {
    const client = await SseClient.connect(`${server.url}/api/notifications/stream?token=${user.accessToken}`);
    streams.push(client);
    expect(client.status).toBe(200);
    return client;
  };

  beforeAll(async () => {
    servers = await startTestCluster(2);
    apiA = new Api(servers[0]!.url);
    apiB = new Api(servers[1]!.url);
    [alice, bob, carol, dave] = await Promise.all([
      apiA.register(uniqueName('cva')),
      apiB.register(uniqueName('cvb')),
      apiA.register(uniqueName('cvc')),
      apiB.register(uniqueName('cvd')),
    ]);
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.disconnect();
    await Promise.all(streams.splice(0).map((client) => client.close()));
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  it('documents every new endpoint in Swagger, with its success and error responses', async () => {
    type Operation = { responses: Record<string, unknown> };
    const doc = (await apiA.get<{ paths: Record<string, Record<string, Operation>> }>('/docs-json')).body;
    const expected: Array<[string, string, string]> = [
      ['get', '/api/conversations', '200'],
      ['get', '/api/conversations/{id}', '200'],
      ['patch', '/api/conversations/{id}', '200'],
      ['post', '/api/rooms/{id}/unread', '204'],
      ['get', '/api/me/unread', '200'],
      ['post', '/api/group-dms', '201'],
      ['post', '/api/group-dms/{id}/add', '201'],
    ];
    for (const [method, path, success] of expected) {
      const statuses = Object.keys(doc.paths[path]?.[method]?.responses ?? {});
      expect({ method, path, success: statuses.includes(success), errors: statuses.includes('400') && statuses.includes('401') }).toEqual({
        method,
        path,
        success: true,
        errors: true,
      });
    }
  });

  it('lists rooms and DMs by last activity with previews, unread and mention counts, and pages with a validated cursor', async () => {
    const user = await apiA.register(uniqueName('cvl'));
    const first = await apiA.createRoom(alice.accessToken, uniqueName('first'));
    const second = await apiA.createRoom(alice.accessToken, uniqueName('second'));
    const secret = await apiA.createRoom(alice.accessToken, uniqueName('secret'), 'private');
    await join(apiB, user, first.id);
    await join(apiB, user, second.id);
    const empty = await apiA.createRoom(alice.accessToken, uniqueName('empty'));

    const long = `@${user.user.username} ${'x'.repeat(150)}`;
    await send(apiA, alice, first.id, long);
    await send(apiA, alice, second.id, 'in second');
    await send(apiA, alice, secret.id, 'nobody else sees this');
    const dm = (await apiA.post<Room>('/api/dms', { userId: user.user.id }, alice.accessToken)).body;
    await send(apiA, alice, dm.id, 'a direct word');
    await join(apiB, user, empty.id); // joined last: an empty room is as new as its join

    const page = await list(apiB, user);
    expect(page.nextCursor).toBeNull();
    expect(page.conversations.map((entry) => entry.room.id)).toEqual([empty.id, dm.id, second.id, first.id]);
    const [emptyEntry, dmEntry, , firstEntry] = page.conversations;
    // The join is the empty room's one message: a system line, the joiner's own, so not unread.
    expect(emptyEntry).toMatchObject({ lastMessage: { type: 'system', preview: `${user.user.displayName} joined` }, unreadCount: 0, mentionCount: 0, notificationsMuted: false, archived: false });
    expect(dmEntry!.room.kind).toBe('direct');
    expect(dmEntry!.lastMessage).toMatchObject({ type: 'text', preview: 'a direct word', deleted: false, author: alice.user });
    expect(firstEntry!.lastMessage!.preview).toBe(long.slice(0, 100));
    expect(firstEntry).toMatchObject({ unreadCount: 1, mentionCount: 1, lastReadSeq: 1 }); // seq 1: the user's own join
    expect(JSON.stringify(page)).not.toContain('nobody else sees this');

    // Paging: one at a time gives the same list, then the end.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const next: ConversationPage = await list(apiA, user, `?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(next.conversations).toHaveLength(1);
      seen.push(next.conversations[0]!.room.id);
      cursor = next.nextCursor;
    } while (cursor !== null && seen.length < 10);
    expect(seen).toEqual(page.conversations.map((entry) => entry.room.id));

    const { nextCursor } = await list(apiA, user, '?limit=2');
    const tampered = `${nextCursor!.slice(0, 5)}${nextCursor![5] === 'A' ? 'B' : 'A'}${nextCursor!.slice(6)}`;
    for (const bad of [tampered, 'abc', `${nextCursor}x`, '..', 'eyJ4Ijo.1']) {
      const refused = await apiA.get<ErrorBody>(`/api/conversations?cursor=${encodeURIComponent(bad)}`, user.accessToken);
      expect(refused.status).toBe(400);
      expect(refused.body.code).toBe('validation_failed');
    }
    for (const query of ['?limit=0', '?limit=101', '?limit=x', '?archived=maybe']) {
      expect((await apiA.get<ErrorBody>(`/api/conversations${query}`, user.accessToken)).body.code).toBe('validation_failed');
    }

    // A deleted newest message shows as deleted; reading clears the counts.
    const last = await send(apiA, alice, second.id, 'to be deleted');
    expect((await apiA.request('DELETE', `/api/rooms/${second.id}/messages/${last.id}`, { token: alice.accessToken })).status).toBe(204);
    expect((await find(apiA, user, second.id))!.lastMessage).toMatchObject({ seq: last.seq, preview: '', deleted: true });
    expect((await apiA.post(`/api/rooms/${first.id}/read`, { seq: 2 }, user.accessToken)).status).toBe(204);
    expect(await find(apiA, user, first.id)).toMatchObject({ unreadCount: 0, mentionCount: 0, lastReadSeq: 2 });

    // Leaving takes it off the list.
    expect((await apiA.post(`/api/rooms/${first.id}/leave`, {}, user.accessToken)).status).toBe(204);
    expect(await find(apiA, user, first.id)).toBeUndefined();
  });

  it('updates the list of a member watching on the other instance, and nobody else', async () => {
    const room = await apiA.createRoom(alice.accessToken, uniqueName('live'));
    const carolsRoom = await apiA.createRoom(alice.accessToken, uniqueName('carols'));
    await join(apiB, bob, room.id);
    await join(apiA, carol, carolsRoom.id);
    const { socket: bobs, page } = await watch(servers[1]!, bob);
    expect(page.conversations.some((entry) => entry.room.id === room.id)).toBe(true);
    const { socket: carols } = await watch(servers[1]!, carol);

    // A message on A reaches Bob's list on B; Carol (not a member) gets nothing about it (her marker: her own room's activity).
    const update = nextEvent<ConversationUpdatedEvent>(bobs, 'conversation:updated', (event) => event.roomId === room.id && event.kind === 'activity');
    let sent: Message | undefined;
    await expectNothing<ConversationUpdatedEvent>(
      carols,
      'conversation:updated',
      (event) => event.roomId === room.id,
      async () => (sent = await send(apiA, alice, room.id, `hi @${bob.user.username}`)),
      { event: 'conversation:updated', match: (event) => event.roomId === carolsRoom.id, send: () => send(apiA, alice, carolsRoom.id, 'marker') },
    );
    expect(await update).toEqual({
      roomId: room.id,
      kind: 'activity',
      lastSeq: sent!.seq,
      lastMessage: { id: sent!.id, seq: sent!.seq, author: alice.user, type: 'text', preview: sent!.content, deleted: false, createdAt: sent!.createdAt },
      lastActivityAt: sent!.createdAt,
      mentions: [bob.user.username.toLowerCase()],
    });

    // Added to a private room on A: Bob's list on B gets it, then its messages.
    const hidden = await apiA.createRoom(alice.accessToken, uniqueName('hidden'), 'private');
    const added = nextEvent<ConversationUpdatedEvent>(bobs, 'conversation:updated', (event) => event.roomId === hidden.id);
    expect((await apiA.post(`/api/rooms/${hidden.id}/members`, { userId: bob.user.id }, alice.accessToken)).status).toBe(201);
    expect(await added).toMatchObject({ kind: 'changed', conversation: { room: { id: hidden.id, joined: true }, unreadCount: 0 } });
    const inHidden = nextEvent<ConversationUpdatedEvent>(bobs, 'conversation:updated', (event) => event.roomId === hidden.id && event.kind === 'activity');
    await send(apiA, alice, hidden.id, 'welcome');
    expect((await inHidden).lastMessage!.preview).toBe('welcome');

    // Kicked: removed, and nothing more from that room (marker: the public room's next message).
    const removed = nextEvent<ConversationUpdatedEvent>(bobs, 'conversation:updated', (event) => event.roomId === hidden.id);
    expect((await apiA.request('DELETE', `/api/rooms/${hidden.id}/members/${bob.user.id}`, { token: alice.accessToken })).status).toBe(204);
    expect(await removed).toEqual({ roomId: hidden.id, kind: 'removed' });
    await expectNothing<ConversationUpdatedEvent>(
      bobs,
      'conversation:updated',
      (event) => event.roomId === hidden.id,
      () => send(apiA, alice, hidden.id, 'after the kick'),
      { event: 'conversation:updated', match: (event) => event.roomId === room.id, send: () => send(apiA, alice, room.id, 'marker') },
    );

    // A rename reaches the watchers as a room update.
    const renamed = nextEvent<ConversationUpdatedEvent>(bobs, 'conversation:updated', (event) => event.roomId === room.id && event.kind === 'room');
    await apiA.request('PATCH', `/api/rooms/${room.id}`, { token: alice.accessToken, body: { description: 'new words' } });
    expect((await renamed).room).toMatchObject({ id: room.id, description: 'new words', unreadCount: null });
  });

  it("puts a new room into its creator's list, and takes a deleted room out of every member's", async () => {
    const { socket: alices } = await watch(servers[1]!, alice);
    const { socket: bobs } = await watch(servers[0]!, bob);
    const created = nextEvent<ConversationUpdatedEvent>(alices, 'conversation:updated', (event) => event.kind === 'changed' && event.conversation?.room.name.startsWith('fresh') === true);
    const room = await apiA.createRoom(alice.accessToken, uniqueName('fresh'));
    expect(await created).toMatchObject({ roomId: room.id, conversation: { room: { id: room.id, role: 'owner' }, lastMessage: null, unreadCount: 0 } });
    // (The join's system message may come as an `activity` update first: the entry is what matters.)
    const joined = nextEvent<ConversationUpdatedEvent>(bobs, 'conversation:updated', (event) => event.roomId === room.id && event.kind === 'changed');
    await join(apiB, bob, room.id);
    expect((await joined).conversation?.room.id).toBe(room.id);

    const [goneForAlice, goneForBob] = [alices, bobs].map((socket) =>
      nextEvent<ConversationUpdatedEvent>(socket, 'conversation:updated', (event) => event.roomId === room.id && event.kind === 'removed'),
    );
    expect((await apiA.request('DELETE', `/api/rooms/${room.id}`, { token: alice.accessToken })).status).toBe(204);
    expect([await goneForAlice, await goneForBob]).toEqual([
      { roomId: room.id, kind: 'removed' },
      { roomId: room.id, kind: 'removed' },
    ]);
  });

  it('brings a burst from two instances to a watcher as activity updates in seq order, ending at the newest', async () => {
    const room = await apiA.createRoom(alice.accessToken, uniqueName('burst'));
    await join(apiB, bob, room.id);
    const { socket } = await watch(servers[1]!, bob);
    const updates: ConversationUpdatedEvent[] = [];
    socket.on('conversation:updated', (event) => {
      if (event.roomId === room.id) updates.push(event);
    });
    const senders = await Promise.all([open(servers[0]!, alice), open(servers[1]!, alice)]);
    const sent = await Promise.all(Array.from({ length: 40 }, (_, i) => emitOk<Message>(senders[i % 2]!, 'message:send', { roomId: room.id, content: `m${i}` })));
    const newest = Math.max(...sent.map((message) => message.seq));
    await eventually(() => updates.some((event) => event.lastSeq === newest), 5000, 'the newest activity');
    // In seq order (the writer is the room's only publisher), the last one the newest.
    const seqs = updates.map((event) => event.lastSeq!);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(updates.every((event) => event.kind === 'activity')).toBe(true);
  });

  it('archives until the next message, and shows it again with it', async () => {
    const room = await apiA.createRoom(alice.accessToken, uniqueName('arch'));
    await join(apiB, bob, room.id);
    await send(apiA, alice, room.id, 'before archiving');
    const { socket: other } = await watch(servers[0]!, bob);

    const changed = nextEvent<ConversationUpdatedEvent>(other, 'conversation:updated', (event) => event.roomId === room.id);
    const archived = await apiB.request<Conversation>('PATCH', `/api/conversations/${room.id}`, { token: bob.accessToken, body: { archived: true } });
    expect(archived.status).toBe(200);
    expect(archived.body).toMatchObject({ archived: true, notificationsMuted: false });
    expect(await changed).toMatchObject({ kind: 'changed', conversation: { archived: true } });
    expect(await find(apiB, bob, room.id)).toBeUndefined();
    expect((await list(apiB, bob, '?archived=true')).conversations.map((entry) => entry.room.id)).toEqual([room.id]);

    const activity = nextEvent<ConversationUpdatedEvent>(other, 'conversation:updated', (event) => event.roomId === room.id && event.kind === 'activity');
    await send(apiA, alice, room.id, 'wake up');
    await activity;
    expect(await find(apiB, bob, room.id)).toMatchObject({ archived: false, unreadCount: 2, lastMessage: { preview: 'wake up' } });
    expect((await list(apiB, bob, '?archived=true')).conversations).toEqual([]);

    // Archiving and un-archiving by hand, without a message.
    await apiB.request('PATCH', `/api/conversations/${room.id}`, { token: bob.accessToken, body: { archived: true } });
    expect(await find(apiB, bob, room.id)).toBeUndefined();
    await apiB.request('PATCH', `/api/conversations/${room.id}`, { token: bob.accessToken, body: { archived: false } });
    expect((await find(apiB, bob, room.id))!.archived).toBe(false);

    for (const body of [{ archived: 'yes' }, { muted: true }, { notificationsMuted: 1 }]) {
      const refused = await apiB.request<ErrorBody>('PATCH', `/api/conversations/${room.id}`, { token: bob.accessToken, body });
      expect(refused.body.code).toBe('validation_failed');
    }
    const outsider = await apiB.request<ErrorBody>('PATCH', `/api/conversations/${room.id}`, { token: dave.accessToken, body: { archived: true } });
    expect(outsider.status).toBe(403);
  });

  it('marks as unread by moving the read marker back, and tells the other devices', async () => {
    const room = await apiA.createRoom(alice.accessToken, uniqueName('unread'));
    await join(apiB, bob, room.id); // seq 1: bob's join
    for (const content of ['one', 'two', 'three']) await send(apiA, alice, room.id, content);
    expect((await apiB.post(`/api/rooms/${room.id}/read`, { seq: 4 }, bob.accessToken)).status).toBe(204);
    expect(await find(apiB, bob, room.id)).toMatchObject({ unreadCount: 0, lastReadSeq: 4 });

    const { socket: otherDevice } = await watch(servers[0]!, bob);
    const changed = nextEvent<ConversationUpdatedEvent>(otherDevice, 'conversation:updated', (event) => event.roomId === room.id);
    expect((await apiB.post(`/api/rooms/${room.id}/unread`, { seq: 3 }, bob.accessToken)).status).toBe(204);
    expect(await changed).toMatchObject({ kind: 'changed', conversation: { lastReadSeq: 2, unreadCount: 2 } });
    expect(await find(apiB, bob, room.id)).toMatchObject({ unreadCount: 2, lastReadSeq: 2 });

    // Never forward: a later seq leaves the marker where it is; the read endpoint still moves it forward.
    expect((await apiB.post(`/api/rooms/${room.id}/unread`, { seq: 4 }, bob.accessToken)).status).toBe(204);
    expect((await find(apiB, bob, room.id))!.lastReadSeq).toBe(2);
    const readElsewhere = nextEvent<ConversationUpdatedEvent>(otherDevice, 'conversation:updated', (event) => event.roomId === room.id);
    expect((await apiB.post(`/api/rooms/${room.id}/read`, { seq: 4 }, bob.accessToken)).status).toBe(204);
    expect(await readElsewhere).toMatchObject({ kind: 'changed', conversation: { lastReadSeq: 4, unreadCount: 0 } });

    for (const body of [{ seq: 0 }, { seq: -1 }, { seq: 'x' }, {}]) {
      expect((await apiB.post<ErrorBody>(`/api/rooms/${room.id}/unread`, body, bob.accessToken)).body.code).toBe('validation_failed');
    }
    expect((await apiB.post<ErrorBody>(`/api/rooms/${room.id}/unread`, { seq: 1 }, dave.accessToken)).status).toBe(403);
  });

  it('sends no notifications from a conversation its member muted, and leaves it out of the totals', async () => {
    const muted = await apiA.createRoom(alice.accessToken, uniqueName('quiet'));
    const loud = await apiA.createRoom(alice.accessToken, uniqueName('loud'));
    const user = await apiB.register(uniqueName('cvm'));
    await join(apiB, user, muted.id);
    await join(apiB, user, loud.id);
    const patched = await apiB.request<Conversation>('PATCH', `/api/conversations/${muted.id}`, { token: user.accessToken, body: { notificationsMuted: true } });
    expect(patched.body).toMatchObject({ notificationsMuted: true, room: { muted: false } });
    const events = await stream(servers[1]!, user);

    await send(apiA, alice, muted.id, `quiet @${user.user.username}`);
    await send(apiA, alice, loud.id, `loud @${user.user.username}`);
    // The loud room's notifications are the marker: the muted room's would have come first on the same channel.
    await eventually(
      () => events.of<MessageNotification>('mention').some((event) => event.data.roomId === loud.id) && events.of<MessageNotification>('message.created').some((event) => event.data.roomId === loud.id),
      5000,
      "the loud room's notifications",
    );
    expect(events.events.filter((event) => (event.data as { roomId?: string }).roomId === muted.id)).toEqual([]);
    expect(await find(apiB, user, muted.id)).toMatchObject({ unreadCount: 1, mentionCount: 0, notificationsMuted: true });
    const totals = await apiB.get<UnreadTotals>('/api/me/unread', user.accessToken);
    expect(totals.body).toEqual({ unreadMessages: 1, mentions: 1, conversations: 1 });

    // Unmuted: notified again.
    await apiB.request('PATCH', `/api/conversations/${muted.id}`, { token: user.accessToken, body: { notificationsMuted: false } });
    await send(apiA, alice, muted.id, `again @${user.user.username}`);
    await eventually(() => events.of<MessageNotification>('mention').some((event) => event.data.roomId === muted.id), 5000, 'the mention after unmuting');
    expect((await apiB.get<UnreadTotals>('/api/me/unread', user.accessToken)).body).toEqual({ unreadMessages: 3, mentions: 2, conversations: 2 });
  });

  it('opens one group DM per set of people, even under concurrency, on both instances', async () => {
    const [p1, p2, p3] = await Promise.all([apiA.register(uniqueName('g1')), apiB.register(uniqueName('g2')), apiA.register(uniqueName('g3'))]);
    const calls = Array.from({ length: 12 }, (_, i) => {
      const [caller, others] = [
        [p1, [p2.user.id, p3.user.id]],
        [p2, [p3.user.id, p1.user.id]],
        [p3, [p1.user.id, p2.user.id]],
      ][i % 3] as [AuthResult, string[]];
      return (i % 2 === 0 ? apiA : apiB).post<Room>('/api/group-dms', { userIds: others }, caller.accessToken);
    });
    const results = await Promise.all(calls);
    expect(results.filter((result) => result.status === 201)).toHaveLength(1);
    expect(results.every((result) => result.status === 201 || result.status === 200)).toBe(true);
    const ids = new Set(results.map((result) => result.body.id));
    expect(ids.size).toBe(1);
    const room = results[0]!.body;
    expect(room).toMatchObject({ kind: 'group_dm', visibility: 'private', memberCount: 3, joined: true, role: 'member' });
    expect(room.name.split(', ').sort()).toEqual([p1.user.username, p2.user.username, p3.user.username].sort());

    // A private conversation: others cannot see it; its members can talk and list it.
    expect((await apiA.get(`/api/rooms/${room.id}`, dave.accessToken)).status).toBe(404);
    await send(apiB, p2, room.id, 'hello group');
    expect((await find(apiA, p1, room.id))!.lastMessage!.preview).toBe('hello group');
    // No moderation, no renaming, no adding in place.
    expect((await apiA.request('PATCH', `/api/rooms/${room.id}`, { token: p1.accessToken, body: { name: 'x' } })).status).toBe(403);
    expect((await apiA.post(`/api/rooms/${room.id}/members`, { userId: dave.user.id }, p1.accessToken)).status).toBe(403);
    expect((await apiA.post(`/api/rooms/${room.id}/members/${p2.user.id}/mute`, {}, p1.accessToken)).status).toBe(403);

    // Adding someone opens the group DM of the new set; this one stays as it was.
    const bigger = await apiA.post<Room>(`/api/group-dms/${room.id}/add`, { userIds: [dave.user.id] }, p1.accessToken);
    expect(bigger.status).toBe(201);
    expect(bigger.body).toMatchObject({ kind: 'group_dm', memberCount: 4 });
    expect(bigger.body.id).not.toBe(room.id);
    expect((await apiA.get<Room>(`/api/rooms/${room.id}`, p1.accessToken)).body.memberCount).toBe(3);
    const same = await apiB.post<Room>('/api/group-dms', { userIds: [p1.user.id, p2.user.id, p3.user.id] }, dave.accessToken);
    expect(same).toMatchObject({ status: 200, body: { id: bigger.body.id } });
    expect((await apiA.get(`/api/rooms/${bigger.body.id}/messages`, dave.accessToken)).status).toBe(200);

    // Leaving works as for rooms.
    expect((await apiA.post(`/api/rooms/${room.id}/leave`, {}, p3.accessToken)).status).toBe(204);
    expect(await find(apiA, p3, room.id)).toBeUndefined();
    expect((await apiA.get<Room>(`/api/rooms/${room.id}`, p1.accessToken)).body.memberCount).toBe(2);
  });

  it('refuses bad group DM input with the contract error shape', async () => {
    const many = await Promise.all(Array.from({ length: 9 }, () => apiA.register(uniqueName('gm'))));
    const unknown = '6f1c2b9e-8d7a-4a34-9a51-0c7f1e3b2d10';
    const cases: Array<[unknown, number, string]> = [
      [{ userIds: [bob.user.id, bob.user.id] }, 400, 'validation_failed'],
      [{ userIds: [bob.user.id, bob.user.id, carol.user.id] }, 400, 'validation_failed'],
      [{ userIds: [alice.user.id, bob.user.id] }, 400, 'validation_failed'],
      [{ userIds: [bob.user.id] }, 400, 'validation_failed'],
      [{ userIds: [] }, 400, 'validation_failed'],
      [{ userIds: many.map((user) => user.user.id) }, 400, 'validation_failed'],
      [{ userIds: Array.from({ length: 50 }, (_, i) => `6f1c2b9e-8d7a-4a34-9a51-${String(i).padStart(12, '0')}`) }, 400, 'validation_failed'],
      [{ userIds: [bob.user.id, 'not-a-uuid'] }, 400, 'validation_failed'],
      [{ userIds: 'everyone' }, 400, 'validation_failed'],
      [{}, 400, 'validation_failed'],
      [{ userIds: [bob.user.id, carol.user.id], name: 'x' }, 400, 'validation_failed'],
      [{ userIds: [bob.user.id, unknown] }, 404, 'not_found'],
    ];
    for (const [body, status, code] of cases) {
      const result = await apiA.post<ErrorBody>('/api/group-dms', body, alice.accessToken);
      expect({ body, status: result.status, code: result.body.code }).toEqual({ body, status, code });
      expect(typeof result.body.message).toBe('string');
    }
    // Adding to something that is not a group DM of the caller.
    const room = await apiA.createRoom(alice.accessToken, uniqueName('notdm'));
    expect((await apiA.post<ErrorBody>(`/api/group-dms/${room.id}/add`, { userIds: [bob.user.id] }, alice.accessToken)).body.code).toBe('forbidden');
    const group = (await apiA.post<Room>('/api/group-dms', { userIds: [bob.user.id, carol.user.id] }, alice.accessToken)).body;
    expect((await apiA.post<ErrorBody>(`/api/group-dms/${group.id}/add`, { userIds: [dave.user.id] }, many[0]!.accessToken)).body.code).toBe('not_found');
    expect((await apiA.post<ErrorBody>(`/api/group-dms/${group.id}/add`, { userIds: [bob.user.id] }, alice.accessToken)).body.code).toBe('validation_failed');
    const tooBig = await apiA.post<ErrorBody>(`/api/group-dms/${group.id}/add`, { userIds: many.slice(0, 7).map((user) => user.user.id) }, alice.accessToken);
    expect(tooBig.body.code).toBe('validation_failed');
  });

  it('answers a group DM with someone who blocked the caller as with an unknown user (contract §10)', async () => {
    const [blocker, other] = await Promise.all([apiA.register(uniqueName('gb')), apiA.register(uniqueName('go'))]);
    expect((await apiB.post(`/api/users/${alice.user.id}/block`, undefined, blocker.accessToken)).status).toBe(204);
    const refused = await apiA.post<ErrorBody>('/api/group-dms', { userIds: [blocker.user.id, other.user.id] }, alice.accessToken);
    const unknown = await apiA.post<ErrorBody>('/api/group-dms', { userIds: ['6f1c2b9e-8d7a-4a34-9a51-0c7f1e3b2d11', other.user.id] }, alice.accessToken);
    expect([refused.status, refused.body.code, refused.body.message]).toEqual([unknown.status, unknown.body.code, unknown.body.message]);
    // The blocker can still put the user they blocked in a group DM, as in a direct room.
    expect((await apiB.post<Room>('/api/group-dms', { userIds: [alice.user.id, other.user.id] }, blocker.accessToken)).status).toBe(201);
  });

  it('tells every member watching of a new group DM, on both instances, and refuses bad watch payloads', async () => {
    const { socket: bobs } = await watch(servers[1]!, bob);
    const { socket: carols } = await watch(servers[0]!, carol);
    const [atBob, atCarol] = [bobs, carols].map((socket) =>
      nextEvent<ConversationUpdatedEvent>(socket, 'conversation:updated', (event) => event.kind === 'changed' && event.conversation?.room.kind === 'group_dm'),
    );
    const group = await apiA.post<Room>('/api/group-dms', { userIds: [bob.user.id, carol.user.id, dave.user.id] }, alice.accessToken);
    expect([(await atBob!).roomId, (await atCarol!).roomId]).toEqual([group.body.id, group.body.id]);
    const activity = nextEvent<ConversationUpdatedEvent>(carols, 'conversation:updated', (event) => event.roomId === group.body.id && event.kind === 'activity');
    await send(apiB, dave, group.body.id, 'group hello');
    expect((await activity).lastMessage!.author).toEqual(dave.user);

    for (const payload of [{ limit: 0 }, { limit: 101 }, { limit: '5' }, { other: true }]) {
      const socket = await open(servers[0]!, bob);
      const ack = await new Promise<{ ok: boolean; error?: { code: string } }>((resolve) => socket.emit('conversations:watch', payload as never, resolve));
      expect(ack).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    }
  });
});
