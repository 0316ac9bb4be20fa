import type { RunningServer } from '../apps/server/src/server';
import type { AuthResult, BlockedUser, Contact, ErrorBody, MessageNotification, Room, TypingEvent, UserStatus } from '@parley/contract';
import { Api, collect, connected, connectSocket, emitAck, emitOk, eventually, expectNothing, nextEvent, uniqueName, type TestSocket } from './support/client';
import { ParleyClient } from '@parley/client';
import { freePort } from '../tools/ports';
import { clusterProcessEnv, spawnServer, type ServerProcess } from './support/process';
import { startTestCluster, startTestServer } from './support/server';
import { SseClient } from './support/sse';

const MALFORMED_ID = 'not-a-uuid';
const UNKNOWN_ID = '6f1c2b9e-8d7a-4a34-9a51-0c7f1e3b2d10';

/** Contacts, blocks and user status (contract §10) on two instances sharing PostgreSQL and Redis. */
describe('people: contacts, blocks and status across two instances', () => {
  let servers: RunningServer[];
  let apiA: Api;
  let apiB: Api;
  const sockets: TestSocket[] = [];
  const streams: SseClient[] = [];

  const open = async (server: RunningServer, user: AuthResult): Promise<TestSocket> => {
    const socket = connectSocket(server.url, user.accessToken);
    sockets.push(socket);
    await connected(socket);
    // Any status:* ack comes after the socket's automatic watches are in place.
    await emitOk(socket, 'status:watch', { userIds: [] });
    return socket;
  };
  const stream = async (server: RunningServer, user: AuthResult): Promise<SseClient> => {
    const client = await SseClient.connect(`${server.url}/api/notifications/stream?token=${user.accessToken}`);
    streams.push(client);
    expect(client.status).toBe(200);
    return client;
  };
  const register = (api: Api, prefix: string): Promise<AuthResult> => api.register(uniqueName(prefix));
  const statusOf = (user: AuthResult) => (event: UserStatus) => event.userId === user.user.id;

  beforeAll(async () => {
    servers = await startTestCluster(2, { TYPING_TIMEOUT_MS: '60000' });
    apiA = new Api(servers[0]!.url);
    apiB = new Api(servers[1]!.url);
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.disconnect();
    await Promise.all(streams.splice(0).map((client) => client.close()));
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  describe('contacts', () => {
    it('adds by id (201, then 200), lists with each status, removes idempotently', async () => {
      const [owner, ann, zed] = await Promise.all([register(apiA, 'co'), register(apiA, 'zz'), register(apiB, 'aa')]);
      const added = await apiA.post<Contact>('/api/contacts', { userId: ann.user.id }, owner.accessToken);
      expect(added.status).toBe(201);
      expect(added.body).toEqual({
        user: ann.user,
        addedAt: expect.any(String),
        status: { userId: ann.user.id, status: 'offline', statusText: null, lastSeenAt: null },
      });
      const again = await apiB.post<Contact>('/api/contacts', { userId: ann.user.id }, owner.accessToken);
      expect(again.status).toBe(200);
      expect(again.body.addedAt).toBe(added.body.addedAt);
      expect((await apiB.post('/api/contacts', { userId: zed.user.id }, owner.accessToken)).status).toBe(201);

      // ann is connected (online), zed never was.
      await open(servers[1]!, ann);
      const list = await apiB.get<Contact[]>('/api/contacts', owner.accessToken);
      expect(list.status).toBe(200);
      expect(list.body.map((contact) => [contact.user.username, contact.status.status])).toEqual(
        [
          [ann.user.username, 'online'],
          [zed.user.username, 'offline'],
        ].sort((x, y) => x[0]!.localeCompare(y[0]!)),
      );
      expect(list.body.find((contact) => contact.user.id === ann.user.id)!.status.lastSeenAt).toEqual(expect.any(String));

      expect((await apiA.request('DELETE', `/api/contacts/${ann.user.id}`, { token: owner.accessToken })).status).toBe(204);
      expect((await apiA.request('DELETE', `/api/contacts/${ann.user.id}`, { token: owner.accessToken })).status).toBe(204);
      expect((await apiA.get<Contact[]>('/api/contacts', owner.accessToken)).body.map((contact) => contact.user.id)).toEqual([zed.user.id]);
      // Somebody else's list is their own.
      expect((await apiA.get<Contact[]>('/api/contacts', ann.accessToken)).body).toEqual([]);
    });

    it('refuses yourself, unknown users, malformed ids, unknown fields and a user you blocked, each with the contract error shape', async () => {
      const [owner, other] = await Promise.all([register(apiA, 'cb'), register(apiA, 'cx')]);
      const cases: Array<[unknown, number, string]> = [
        [{ userId: owner.user.id }, 400, 'validation_failed'],
        [{ userId: UNKNOWN_ID }, 404, 'not_found'],
        [{ userId: MALFORMED_ID }, 400, 'validation_failed'],
        [{}, 400, 'validation_failed'],
        [{ userId: other.user.id, note: 'x' }, 400, 'validation_failed'],
      ];
      for (const [body, status, code] of cases) {
        const response = await apiA.post<ErrorBody>('/api/contacts', body, owner.accessToken);
        expect({ body, status: response.status, code: response.body.code }).toEqual({ body, status, code });
        expect(response.body).toEqual(expect.objectContaining({ statusCode: status, message: expect.any(String), requestId: expect.any(String) }));
      }
      expect((await apiA.request<ErrorBody>('DELETE', `/api/contacts/${MALFORMED_ID}`, { token: owner.accessToken })).body.code).toBe('validation_failed');
      expect((await apiA.get('/api/contacts')).status).toBe(401);

      expect((await apiA.post(`/api/users/${other.user.id}/block`, undefined, owner.accessToken)).status).toBe(204);
      const blocked = await apiA.post<ErrorBody>('/api/contacts', { userId: other.user.id }, owner.accessToken);
      expect([blocked.status, blocked.body.code]).toEqual([409, 'conflict']);
    });

    it('answers a user who was blocked exactly as for an unknown user', async () => {
      const [blocker, blocked] = await Promise.all([register(apiA, 'cc'), register(apiB, 'cd')]);
      await apiA.post(`/api/users/${blocked.user.id}/block`, undefined, blocker.accessToken);
      const refused = await apiB.post<ErrorBody>('/api/contacts', { userId: blocker.user.id }, blocked.accessToken);
      const unknown = await apiB.post<ErrorBody>('/api/contacts', { userId: UNKNOWN_ID }, blocked.accessToken);
      expect([refused.status, refused.body.code, refused.body.message]).toEqual([unknown.status, unknown.body.code, unknown.body.message]);
    });
  });

  describe('blocks', () => {
    it('blocks and unblocks idempotently, lists whom you blocked, refuses yourself, unknown and malformed ids', async () => {
      const [me, troll, pest] = await Promise.all([register(apiA, 'ba'), register(apiA, 'bb'), register(apiB, 'bc')]);
      for (const target of [troll, troll, pest]) expect((await apiA.post(`/api/users/${target.user.id}/block`, undefined, me.accessToken)).status).toBe(204);
      const list = await apiB.get<BlockedUser[]>('/api/users/me/blocks', me.accessToken);
      expect(list.body.map((entry) => entry.user)).toEqual([pest.user, troll.user]);
      expect(list.body[0]!.blockedAt).toEqual(expect.any(String));
      // The blocked user is not told: their own list is theirs.
      expect((await apiA.get<BlockedUser[]>('/api/users/me/blocks', troll.accessToken)).body).toEqual([]);

      for (let i = 0; i < 2; i++) expect((await apiB.request('DELETE', `/api/users/${pest.user.id}/block`, { token: me.accessToken })).status).toBe(204);
      expect((await apiA.get<BlockedUser[]>('/api/users/me/blocks', me.accessToken)).body.map((entry) => entry.user.id)).toEqual([troll.user.id]);

      const errors: Array<[string, string, number, string]> = [
        ['POST', me.user.id, 400, 'validation_failed'],
        ['POST', UNKNOWN_ID, 404, 'not_found'],
        ['POST', MALFORMED_ID, 400, 'validation_failed'],
        ['DELETE', me.user.id, 400, 'validation_failed'],
        ['DELETE', MALFORMED_ID, 400, 'validation_failed'],
      ];
      for (const [method, id, status, code] of errors) {
        const response = await apiA.request<ErrorBody>(method, `/api/users/${id}/block`, { token: me.accessToken });
        expect({ method, id, status: response.status, code: response.body.code }).toEqual({ method, id, status, code });
      }
    });

    it('a blocked user cannot open a DM with the blocker (not_found, as for an unknown user); the blocker still can', async () => {
      const [blocker, blocked] = await Promise.all([register(apiA, 'bd'), register(apiB, 'be')]);
      await apiA.post(`/api/users/${blocked.user.id}/block`, undefined, blocker.accessToken);
      const refused = await apiB.post<ErrorBody>('/api/dms', { userId: blocker.user.id }, blocked.accessToken);
      const unknown = await apiB.post<ErrorBody>('/api/dms', { userId: UNKNOWN_ID }, blocked.accessToken);
      expect(refused.status).toBe(404);
      expect([refused.body.code, refused.body.message]).toEqual([unknown.body.code, unknown.body.message]);
      expect((await apiA.post<Room>('/api/dms', { userId: blocked.user.id }, blocker.accessToken)).status).toBe(201);
      // Unblocked, it works again.
      await apiA.request('DELETE', `/api/users/${blocked.user.id}/block`, { token: blocker.accessToken });
      expect((await apiB.post<Room>('/api/dms', { userId: blocker.user.id }, blocked.accessToken)).status).toBe(200);
    });

    it('a blocked user cannot add the blocker to a room (not_found), others still can', async () => {
      const [blocker, blocked, friend] = await Promise.all([register(apiA, 'bf'), register(apiB, 'bg'), register(apiA, 'bh')]);
      const room = await apiB.createRoom(blocked.accessToken, uniqueName('Lair'), 'private');
      const friendsRoom = await apiA.createRoom(friend.accessToken, uniqueName('Nice'), 'private');
      await apiA.post(`/api/users/${blocked.user.id}/block`, undefined, blocker.accessToken);
      const refused = await apiB.post<ErrorBody>(`/api/rooms/${room.id}/members`, { userId: blocker.user.id }, blocked.accessToken);
      expect([refused.status, refused.body.code, refused.body.message]).toEqual([404, 'not_found', 'User not found']);
      expect((await apiB.get<Array<{ user: { id: string } }>>(`/api/rooms/${room.id}/members`, blocked.accessToken)).body.map((m) => m.user.id)).toEqual([
        blocked.user.id,
      ]);
      expect((await apiA.post(`/api/rooms/${friendsRoom.id}/members`, { userId: blocker.user.id }, friend.accessToken)).status).toBe(201);
    });

    it('a blocked user does not find the blocker in either user search; others and the blocker still find who they look for', async () => {
      const name = uniqueName('hid');
      const [blocker, blocked, friend] = await Promise.all([apiA.register(`${name}a`), apiB.register(`${name}b`), apiA.register(`${name}c`)]);
      await apiA.post(`/api/users/${blocked.user.id}/block`, undefined, blocker.accessToken);
      const found = async (api: Api, caller: AuthResult): Promise<{ prefix: string[]; search: string[] }> => ({
        prefix: (await api.get<Array<{ username: string }>>(`/api/users?search=${name}`, caller.accessToken)).body.map((u) => u.username).sort(),
        search: (await api.get<Array<{ username: string }>>(`/api/search/users?q=${name}`, caller.accessToken)).body.map((u) => u.username).sort(),
      });
      expect(await found(apiB, blocked)).toEqual({ prefix: [`${name}b`, `${name}c`], search: [`${name}b`, `${name}c`] });
      const everyone = [`${name}a`, `${name}b`, `${name}c`];
      expect(await found(apiA, friend)).toEqual({ prefix: everyone, search: everyone });
      expect(await found(apiA, blocker)).toEqual({ prefix: everyone, search: everyone });
      await apiA.request('DELETE', `/api/users/${blocked.user.id}/block`, { token: blocker.accessToken });
      expect(await found(apiB, blocked)).toEqual({ prefix: everyone, search: everyone });
    });

    it('a blocked user notifies the blocker of nothing: no mention, no message.created in their DM; others still do', async () => {
      const [blocker, blocked, friend] = await Promise.all([register(apiA, 'bi'), register(apiB, 'bj'), register(apiB, 'bk')]);
      const room = await apiA.createRoom(blocker.accessToken, uniqueName('Hall'));
      for (const user of [blocked, friend]) await apiB.post(`/api/rooms/${room.id}/join`, undefined, user.accessToken);
      const dm = (await apiB.post<Room>('/api/dms', { userId: blocker.user.id }, blocked.accessToken)).body;
      const inbox = await stream(servers[0]!, blocker);
      const previewsFrom = (user: AuthResult): string[] =>
        inbox.events.filter((event) => (event.data as MessageNotification).author?.id === user.user.id).map((event) => `${event.event}:${(event.data as MessageNotification).preview}`);

      // Before the block, both reach the blocker (the assertions below can fail).
      await apiB.post(`/api/rooms/${dm.id}/messages`, { content: 'before, in the DM' }, blocked.accessToken);
      await apiB.post(`/api/rooms/${room.id}/messages`, { content: `before, @${blocker.user.username}` }, blocked.accessToken);
      await eventually(() => previewsFrom(blocked).length === 3, 5000, 'notifications before the block');
      expect(previewsFrom(blocked).sort()).toEqual(
        ['message.created:before, in the DM', `message.created:before, @${blocker.user.username}`, `mention:before, @${blocker.user.username}`].sort(),
      );

      expect((await apiA.post(`/api/users/${blocked.user.id}/block`, undefined, blocker.accessToken)).status).toBe(204);
      await apiB.post(`/api/rooms/${dm.id}/messages`, { content: 'after, in the DM' }, blocked.accessToken);
      await apiB.post(`/api/rooms/${room.id}/messages`, { content: `after, @${blocker.user.username}` }, blocked.accessToken);
      // The marker: the same notifications from someone else, sent after them on the same path.
      await apiB.post(`/api/rooms/${room.id}/messages`, { content: `marker, @${blocker.user.username}` }, friend.accessToken);
      await eventually(() => previewsFrom(friend).length === 2, 5000, "the friend's notifications");
      expect(previewsFrom(blocked)).toHaveLength(3);
      const durable = await apiA.get<Array<{ type: string; data: MessageNotification }>>('/api/notifications', blocker.accessToken);
      expect(durable.body.filter((notification) => notification.type === 'mention').map((notification) => notification.data.preview)).toEqual([`marker, @${blocker.user.username}`, `before, @${blocker.user.username}`]);
      // The blocked user's own messages are still stored and delivered (blocking hides notifications, not the room).
      expect((await apiA.get<{ messages: unknown[] }>(`/api/rooms/${dm.id}/messages`, blocker.accessToken)).body.messages).toHaveLength(2);
    });

    it("the blocker does not see the blocked user's typing, on either instance; the others do", async () => {
      const [blocker, blocked, friend] = await Promise.all([register(apiA, 'bl'), register(apiA, 'bm'), register(apiB, 'bn')]);
      const room = await apiA.createRoom(friend.accessToken, uniqueName('Typing'));
      const typist = await open(servers[0]!, blocked);
      const marker = await open(servers[0]!, friend);
      const watchers = [await open(servers[1]!, blocker), await open(servers[0]!, blocker)];
      const witness = await open(servers[1]!, friend);
      for (const socket of [typist, marker, ...watchers, witness]) await emitOk(socket, 'room:join', { roomId: room.id });

      // Before the block the blocker sees it (this test can fail).
      const seen = nextEvent<TypingEvent>(watchers[0]!, 'typing', (event) => event.user.id === blocked.user.id && event.isTyping);
      await emitOk(typist, 'typing', { roomId: room.id, isTyping: true });
      await seen;
      const stopped = watchers.map((socket) => nextEvent<TypingEvent>(socket, 'typing', (event) => event.user.id === blocked.user.id && !event.isTyping));
      await emitOk(typist, 'typing', { roomId: room.id, isTyping: false });
      await Promise.all(stopped);

      await apiA.post(`/api/users/${blocked.user.id}/block`, undefined, blocker.accessToken);
      const atWitness = nextEvent<TypingEvent>(witness, 'typing', (event) => event.user.id === blocked.user.id && event.isTyping);
      await expectNothing<TypingEvent>(
        watchers,
        'typing',
        (event) => event.user.id === blocked.user.id,
        () => emitOk(typist, 'typing', { roomId: room.id, isTyping: true }),
        { event: 'typing', match: (event) => event.user.id === friend.user.id, send: () => emitOk(marker, 'typing', { roomId: room.id, isTyping: true }) },
      );
      await atWitness;
    });
  });

  it('documents every people endpoint in Swagger, with its errors', async () => {
    const doc = (await apiA.get<{ paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }>('/docs-json')).body;
    const expected: Array<[string, string]> = [
      ['get', '/api/contacts'],
      ['post', '/api/contacts'],
      ['delete', '/api/contacts/{userId}'],
      ['post', '/api/users/{id}/block'],
      ['delete', '/api/users/{id}/block'],
      ['get', '/api/users/me/blocks'],
      ['get', '/api/users/me/status'],
      ['put', '/api/users/me/status'],
      ['get', '/api/users/{id}/status'],
    ];
    for (const [method, path] of expected) {
      const responses = Object.keys(doc.paths[path]?.[method]?.responses ?? {});
      expect({ method, path, documented: responses.some((status) => status.startsWith('2')), errors: responses.some((status) => status.startsWith('4')) }).toEqual({
        method,
        path,
        documented: true,
        errors: true,
      });
    }
  });

  describe('status', () => {
    it("a contact on the other instance sees the user come online, set busy with a text, and go offline with a last seen time", async () => {
      const [user, watcher] = await Promise.all([register(apiA, 'sa'), register(apiB, 'sb')]);
      await apiB.post('/api/contacts', { userId: user.user.id }, watcher.accessToken);
      const onB = await open(servers[1]!, watcher);
      const events = collect<UserStatus>(onB, 'status');

      const online = nextEvent<UserStatus>(onB, 'status', statusOf(user));
      const socket = await open(servers[0]!, user);
      expect(await online).toEqual({ userId: user.user.id, status: 'online', statusText: null, lastSeenAt: expect.any(String) });

      const busy = nextEvent<UserStatus>(onB, 'status', (event) => event.userId === user.user.id && event.status === 'busy');
      const mine = await emitOk<UserStatus>(socket, 'status:set', { status: 'busy', statusText: '  In a meeting  ' });
      expect(mine).toMatchObject({ userId: user.user.id, status: 'busy', statusText: 'In a meeting' });
      expect(await busy).toEqual(mine);

      const offline = nextEvent<UserStatus>(onB, 'status', (event) => event.userId === user.user.id && event.status === 'offline');
      socket.disconnect();
      const gone = await offline;
      expect(gone.statusText).toBe('In a meeting');
      expect(Date.parse(gone.lastSeenAt!)).toBeGreaterThanOrEqual(Date.parse(mine.lastSeenAt!));
      expect(events.filter(statusOf(user)).map((event) => event.status)).toEqual(['online', 'busy', 'offline']);

      // The choice stays for the next connection; REST reads the same.
      const contacts = await apiB.get<Contact[]>('/api/contacts', watcher.accessToken);
      expect(contacts.body[0]!.status).toEqual(gone);
      const back = nextEvent<UserStatus>(onB, 'status', statusOf(user));
      await open(servers[1]!, user);
      expect((await back).status).toBe('busy');
      const cleared = await apiA.request<UserStatus>('PUT', '/api/users/me/status', { token: user.accessToken, body: { status: 'online', statusText: null } });
      expect(cleared.body).toMatchObject({ status: 'online', statusText: null });
      expect((await apiB.get<UserStatus>('/api/users/me/status', user.accessToken)).body).toEqual(cleared.body);
    });

    it('stays online while another socket of the user is open anywhere', async () => {
      const [user, watcher, extra] = await Promise.all([register(apiA, 'sc'), register(apiB, 'sd'), register(apiA, 'sm')]);
      for (const contact of [user, extra]) await apiB.post('/api/contacts', { userId: contact.user.id }, watcher.accessToken);
      const onB = await open(servers[1]!, watcher);
      const events = collect<UserStatus>(onB, 'status');
      const first = await open(servers[0]!, user);
      const second = await open(servers[1]!, user);
      const markerSocket = await open(servers[0]!, extra);
      const offline = nextEvent<UserStatus>(onB, 'status', (event) => event.userId === user.user.id && event.status === 'offline');
      // The marker: another contact leaving the same instance right after.
      const markerGone = nextEvent<UserStatus>(onB, 'status', (event) => event.userId === extra.user.id && event.status === 'offline');
      first.disconnect();
      markerSocket.disconnect();
      await markerGone;
      expect(events.filter(statusOf(user)).map((event) => event.status)).toEqual(['online']);
      second.disconnect();
      await offline;
    });

    it('status:watch follows users sharing a room; users who cannot see the user get nothing and learn nothing', async () => {
      const [user, roommate, stranger, other] = await Promise.all([register(apiA, 'se'), register(apiB, 'sf'), register(apiB, 'sg'), register(apiA, 'sh')]);
      const room = await apiA.createRoom(user.accessToken, uniqueName('Shared'), 'private');
      await apiA.post(`/api/rooms/${room.id}/members`, { userId: roommate.user.id }, user.accessToken);
      // The stranger and `other` share a room: `other` is the stranger's marker.
      const theirs = await apiA.createRoom(other.accessToken, uniqueName('Theirs'), 'private');
      await apiA.post(`/api/rooms/${theirs.id}/members`, { userId: stranger.user.id }, other.accessToken);

      const socket = await open(servers[0]!, user);
      const otherSocket = await open(servers[0]!, other);
      const mate = await open(servers[1]!, roommate);
      const strangers = [await open(servers[1]!, stranger), await open(servers[0]!, stranger)];

      const watched = await emitOk<{ statuses: UserStatus[] }>(mate, 'status:watch', { userIds: [user.user.id, stranger.user.id, UNKNOWN_ID] });
      expect(watched.statuses).toEqual([{ userId: user.user.id, status: 'online', statusText: null, lastSeenAt: expect.any(String) }]);
      for (const socketOfStranger of strangers) {
        expect(await emitOk(socketOfStranger, 'status:watch', { userIds: [user.user.id, other.user.id] })).toEqual({
          statuses: [expect.objectContaining({ userId: other.user.id })],
        });
      }
      expect((await apiB.get<ErrorBody>(`/api/users/${user.user.id}/status`, stranger.accessToken)).status).toBe(404);
      expect((await apiB.get<UserStatus>(`/api/users/${user.user.id}/status`, roommate.accessToken)).body.status).toBe('online');

      const atMate = nextEvent<UserStatus>(mate, 'status', (event) => event.userId === user.user.id && event.status === 'busy');
      await expectNothing<UserStatus>(
        strangers,
        'status',
        statusOf(user),
        () => emitOk(socket, 'status:set', { status: 'busy' }),
        { event: 'status', match: (event) => event.userId === other.user.id, send: () => emitOk(otherSocket, 'status:set', { status: 'busy' }) },
      );
      await atMate;

      // Unwatched, the roommate hears nothing more either. The marker: the user's typing in the shared room, which
      // leaves instance A through the same adapter connection after the status.
      await emitOk(mate, 'status:unwatch', { userIds: [user.user.id] });
      await emitOk(mate, 'room:join', { roomId: room.id });
      await expectNothing<UserStatus>(
        mate,
        'status',
        statusOf(user),
        () => emitOk(socket, 'status:set', { status: 'online' }),
        { event: 'typing', match: (event) => (event as unknown as TypingEvent).user.id === user.user.id, send: () => emitOk(socket, 'typing', { roomId: room.id, isTyping: true }) },
      );
    });

    it('leaving the only shared room ends the watches it allowed, both ways, on both instances; a contact keeps watching', async () => {
      const [owner, leaver, fan, pal] = await Promise.all([register(apiA, 'wo'), register(apiB, 'wl'), register(apiB, 'wf'), register(apiA, 'wp')]);
      const room = await apiA.createRoom(owner.accessToken, uniqueName('Once'), 'private');
      for (const member of [leaver, fan]) await apiA.post(`/api/rooms/${room.id}/members`, { userId: member.user.id }, owner.accessToken);
      // The fan keeps the leaver as a contact; the leaver keeps the pal: each is the other side's marker.
      expect((await apiB.post('/api/contacts', { userId: leaver.user.id }, fan.accessToken)).status).toBe(201);
      expect((await apiB.post('/api/contacts', { userId: pal.user.id }, leaver.accessToken)).status).toBe(201);
      const [ownerSocket, palSocket, leaverSocket, fanSocket] = [await open(servers[0]!, owner), await open(servers[0]!, pal), await open(servers[1]!, leaver), await open(servers[1]!, fan)];
      await emitOk(ownerSocket, 'status:watch', { userIds: [leaver.user.id, fan.user.id] });
      await emitOk(leaverSocket, 'status:watch', { userIds: [owner.user.id] });

      expect((await apiB.post(`/api/rooms/${room.id}/leave`, {}, leaver.accessToken)).status).toBe(204);
      // The watches end after the leave's commit, asynchronously: each attempt is a status change and a marker.
      let change = 0;
      const setText = (socket: TestSocket) => () => emitOk(socket, 'status:set', { statusText: `change ${++change}` });
      const eventually = async (attempt: () => Promise<void>): Promise<void> => {
        const deadline = Date.now() + 10_000;
        for (;;) {
          try {
            return await attempt();
          } catch (error) {
            if (Date.now() > deadline) throw error;
          }
        }
      };
      await eventually(() =>
        expectNothing<UserStatus>(ownerSocket, 'status', statusOf(leaver), setText(leaverSocket), { event: 'status', match: statusOf(fan), send: setText(fanSocket) }),
      );
      await eventually(() =>
        expectNothing<UserStatus>(leaverSocket, 'status', statusOf(owner), setText(ownerSocket), { event: 'status', match: statusOf(pal), send: setText(palSocket) }),
      );
      // Stays so; the fan, a contact, still hears the leaver.
      const nextText = `change ${change + 1}`;
      const atFan = nextEvent<UserStatus>(fanSocket, 'status', (event) => event.userId === leaver.user.id && event.statusText === nextText);
      await expectNothing<UserStatus>(ownerSocket, 'status', statusOf(leaver), setText(leaverSocket), { event: 'status', match: statusOf(fan), send: setText(fanSocket) });
      await atFan;
    });

    it('a blocked user stops hearing the blocker at once and cannot watch them; the contact list hides the blocker', async () => {
      const [blocker, blocked, friend] = await Promise.all([register(apiA, 'si'), register(apiB, 'sj'), register(apiA, 'sl')]);
      for (const contact of [blocker, friend]) await apiB.post('/api/contacts', { userId: contact.user.id }, blocked.accessToken);
      const watcher = await open(servers[1]!, blocked);
      const online = nextEvent<UserStatus>(watcher, 'status', statusOf(blocker));
      const socket = await open(servers[0]!, blocker);
      await online;
      // The marker: a contact on the blocker's instance, changing status after the blocker.
      const friendSocket = await open(servers[0]!, friend);

      await apiA.post(`/api/users/${blocked.user.id}/block`, undefined, blocker.accessToken);
      expect(await emitOk(watcher, 'status:watch', { userIds: [blocker.user.id] })).toEqual({ statuses: [] });
      await expectNothing<UserStatus>(
        watcher,
        'status',
        statusOf(blocker),
        () => emitOk(socket, 'status:set', { status: 'busy', statusText: 'secret' }),
        { event: 'status', match: (event) => event.userId === friend.user.id && event.statusText === 'marker', send: () => emitOk(friendSocket, 'status:set', { statusText: 'marker' }) },
      );
      const contacts = await apiB.get<Contact[]>('/api/contacts', blocked.accessToken);
      expect(contacts.body.find((contact) => contact.user.id === blocker.user.id)!.status).toEqual({
        userId: blocker.user.id,
        status: 'offline',
        statusText: null,
        lastSeenAt: null,
      });
      expect(contacts.body.find((contact) => contact.user.id === friend.user.id)!.status.status).toBe('online');
    });

    it('the SDK: contacts, blocks, setMyStatus, statuses.watch kept across a reconnect, userStatus events', async () => {
      const [alice, bob, carol] = await Promise.all([register(apiA, 'da'), register(apiB, 'db'), register(apiA, 'dc')]);
      const room = await apiA.createRoom(carol.accessToken, uniqueName('Sdk'), 'private');
      await apiA.post(`/api/rooms/${room.id}/members`, { userId: alice.user.id }, carol.accessToken);
      const client = new ParleyClient({ baseUrl: servers[1]!.url, transports: ['websocket'] });
      await client.login(alice.user.username, 'password123');
      try {
        const contact = await client.rest.contacts.add(bob.user.id);
        expect(contact.user).toEqual(bob.user);
        expect((await client.rest.contacts.list()).map((entry) => entry.user.id)).toEqual([bob.user.id]);
        await client.rest.blocks.block(bob.user.id);
        expect((await client.rest.blocks.list()).map((entry) => entry.user.id)).toEqual([bob.user.id]);
        await client.rest.blocks.unblock(bob.user.id);
        const refused = await client.rest.contacts.add(alice.user.id).catch((error: unknown) => error);
        expect(refused).toMatchObject({ code: 'validation_failed', status: 400 });

        const heard: UserStatus[] = [];
        client.on('userStatus', (status) => heard.push(status));
        client.connect();
        await eventually(() => client.status === 'connected', 5000, 'connected');
        const carolSocket = await open(servers[0]!, carol);
        expect((await client.statuses.watch([carol.user.id, bob.user.id])).map((status) => status.userId).sort()).toEqual([bob.user.id, carol.user.id].sort());
        await emitOk(carolSocket, 'status:set', { status: 'busy' });
        await eventually(() => client.statuses.get(carol.user.id)?.status === 'busy', 5000, "carol's busy");

        expect(await client.setMyStatus({ statusText: 'via the SDK' })).toMatchObject({ userId: alice.user.id, statusText: 'via the SDK' });
        expect(client.statuses.get(alice.user.id)?.statusText).toBe('via the SDK');

        // After a reconnect (a new socket, which the server knows nothing about) carol is watched again.
        client.disconnect();
        client.connect();
        await eventually(() => client.status === 'connected', 5000, 'reconnected');
        await eventually(() => heard.filter((status) => status.userId === carol.user.id).length >= 2, 5000, 'carol watched again');
        await emitOk(carolSocket, 'status:set', { status: 'away', statusText: 'lunch' });
        await eventually(() => client.statuses.get(carol.user.id)?.statusText === 'lunch', 5000, "carol's change after the reconnect");
      } finally {
        await client.logout();
      }
    });

    it('refuses bad status input with validation_failed: unknown status, offline, long or control-character text, too many ids, malformed ids', async () => {
      const user = await register(apiA, 'sk');
      const socket = await open(servers[0]!, user);
      const bad: unknown[] = [
        { status: 'invisible' },
        { status: 'offline' },
        { statusText: 'x'.repeat(101) },
        { statusText: 'line\nbreak' },
        { statusText: 'bell\u0007' },
        { statusText: 42 },
        { mood: 'happy' },
      ];
      for (const payload of bad) {
        const ack = await emitAck(socket, 'status:set', payload);
        expect({ payload, code: ack.ok ? 'ok' : ack.error.code }).toEqual({ payload, code: 'validation_failed' });
        const rest = await apiA.request<ErrorBody>('PUT', '/api/users/me/status', { token: user.accessToken, body: payload });
        expect({ payload, status: rest.status, code: rest.body.code }).toEqual({ payload, status: 400, code: 'validation_failed' });
      }
      // 100 characters (an emoji counts once) are fine.
      expect((await emitOk<UserStatus>(socket, 'status:set', { statusText: `${'y'.repeat(99)}🙂` })).statusText).toHaveLength(101);
      for (const payload of [{ userIds: Array.from({ length: 101 }, () => UNKNOWN_ID) }, { userIds: [MALFORMED_ID] }, { userIds: 'all' }, {}]) {
        const ack = await emitAck(socket, 'status:watch', payload);
        expect(ack.ok ? 'ok' : ack.error.code).toBe('validation_failed');
      }
      expect((await apiA.get<ErrorBody>(`/api/users/${MALFORMED_ID}/status`, user.accessToken)).body.code).toBe('validation_failed');
    });
  });
});

/** Idleness: a connected user none of whose sockets sends anything for AWAY_AFTER_MS shows as away. */
describe('people: away after AWAY_AFTER_MS', () => {
  let server: RunningServer;
  let api: Api;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    server = await startTestServer({ AWAY_AFTER_MS: '1000' });
    api = new Api(server.url);
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await server.close();
  });

  it('goes away when idle, comes back online on the next event (not on a passive one), then busy by hand', async () => {
    const [user, watcher] = await Promise.all([api.register(uniqueName('ia')), api.register(uniqueName('ib'))]);
    await api.post('/api/contacts', { userId: user.user.id }, watcher.accessToken);
    const watching = await connected(connectSocket(server.url, watcher.accessToken));
    sockets.push(watching);
    await emitOk(watching, 'status:watch', { userIds: [] });
    const events = collect<UserStatus>(watching, 'status');
    const mine = (status: string) => (event: UserStatus) => event.userId === user.user.id && event.status === status;
    const online = nextEvent(watching, 'status', mine('online'));
    const socket = await connected(connectSocket(server.url, user.accessToken));
    sockets.push(socket);
    await online;
    const startedAt = Date.now();
    await nextEvent(watching, 'status', mine('away'), 5000);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(900);
    // A passive event (status:watch) does not count as being there; a real one does.
    await emitOk(socket, 'status:watch', { userIds: [] });
    const back = nextEvent(watching, 'status', mine('online'));
    await emitAck(socket, 'room:leave', { roomId: UNKNOWN_ID });
    await back;
    const busy = nextEvent(watching, 'status', mine('busy'));
    await emitOk(socket, 'status:set', { status: 'busy' });
    await busy;
    expect(events.filter((event) => event.userId === user.user.id).map((event) => event.status)).toEqual(['online', 'away', 'online', 'busy']);
  });
});

/** A SIGKILLed instance's users go offline within the presence TTL, as room presence does. */
describe('people: an instance killed with its users connected', () => {
  const TTL_MS = 2000;
  const HEARTBEAT_MS = 500;
  let survivor: RunningServer;
  let killed: ServerProcess;
  let killedUrl: string;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    survivor = (await startTestCluster(1, { PRESENCE_TTL_MS: String(TTL_MS), PRESENCE_HEARTBEAT_MS: String(HEARTBEAT_MS) }))[0]!;
    const port = await freePort();
    killedUrl = `http://127.0.0.1:${port}`;
    killed = await spawnServer(
      clusterProcessEnv(
        { port, instanceId: `${survivor!.config.redisPrefix}-doomed`, databaseUrl: survivor!.config.databaseUrl!, redisUrl: survivor!.config.redisUrl! },
        { REDIS_PREFIX: survivor!.config.redisPrefix, PRESENCE_TTL_MS: String(TTL_MS), PRESENCE_HEARTBEAT_MS: String(HEARTBEAT_MS) },
      ),
    );
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    if (killed?.child.exitCode === null) {
      killed.child.kill('SIGKILL');
      await killed.exited;
    }
    await survivor?.close();
  });

  it("a contact on the survivor sees the dead instance's user go offline within the TTL, with a last seen time", async () => {
    const api = new Api(survivor.url);
    const [user, watcher] = await Promise.all([api.register(uniqueName('ka')), api.register(uniqueName('kb'))]);
    await api.post('/api/contacts', { userId: user.user.id }, watcher.accessToken);
    const watching = await connected(connectSocket(survivor.url, watcher.accessToken));
    sockets.push(watching);
    await emitOk(watching, 'status:watch', { userIds: [] });
    const online = nextEvent<UserStatus>(watching, 'status', (event) => event.userId === user.user.id && event.status === 'online');
    const doomed = await connected(connectSocket(killedUrl, user.accessToken));
    sockets.push(doomed);
    const cameOnline = await online;

    const offline = nextEvent<UserStatus>(watching, 'status', (event) => event.userId === user.user.id && event.status === 'offline', 15_000);
    const killedAt = Date.now();
    killed.child.kill('SIGKILL');
    const wentOffline = await offline;
    // The TTL, plus a heartbeat for the survivor to notice, plus slack for a slow machine.
    expect(Date.now() - killedAt).toBeLessThan(TTL_MS + 2 * HEARTBEAT_MS + 3000);
    expect(Date.parse(wentOffline.lastSeenAt!)).toBeGreaterThan(Date.parse(cameOnline.lastSeenAt!));
    const contacts = await api.get<Contact[]>('/api/contacts', watcher.accessToken);
    expect(contacts.body[0]!.status).toEqual(wentOffline);
  });
});
