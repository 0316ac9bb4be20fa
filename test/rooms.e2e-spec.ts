import type { RunningServer } from '../apps/server/src/server';
import type { AuthResult, ErrorBody, Member, MemberUpdatedEvent, Room } from '@parley/contract';
import { Api, emitOk, nextEvent, openSocket, uniqueName } from './support/client';
import { startTestServer } from './support/server';

describe('rooms (contract §3)', () => {
  let server: RunningServer;
  let api: Api;
  let owner: AuthResult;
  let other: AuthResult;
  let third: AuthResult;

  beforeAll(async () => {
    server = await startTestServer();
    api = new Api(server.url);
    [owner, other, third] = await Promise.all([api.register(uniqueName('own')), api.register(uniqueName('oth')), api.register(uniqueName('thi'))]);
  });
  afterAll(() => server.close());

  it('creates a public room with the creator as owner, and lists it for everyone', async () => {
    const name = uniqueName('Lobby');
    const created = await api.post<Room>('/api/rooms', { name, description: 'hello' }, owner.accessToken);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      name,
      description: 'hello',
      visibility: 'public',
      kind: 'group',
      createdBy: owner.user.id,
      createdAt: expect.any(String),
      memberCount: 1,
      lastSeq: 0,
      joined: true,
      role: 'owner',
      unreadCount: 0,
      muted: false,
      mutedUntil: null,
    });
    const seenByOther = await api.get<Room[]>('/api/rooms', other.accessToken);
    const entry = seenByOther.body.find((room) => room.id === created.body.id);
    expect(entry).toMatchObject({ joined: false, role: null, unreadCount: null, muted: null, mutedUntil: null, memberCount: 1 });
    const joinedOnly = await api.get<Room[]>('/api/rooms?joined=true', other.accessToken);
    expect(joinedOnly.body.find((room) => room.id === created.body.id)).toBeUndefined();
  });

  it('refuses duplicate names case-insensitively with room_name_taken', async () => {
    const name = uniqueName('Dup');
    await api.createRoom(owner.accessToken, name);
    const again = await api.post<ErrorBody>('/api/rooms', { name: name.toLowerCase() }, other.accessToken);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('room_name_taken');
  });

  it('hides a private room from non-members everywhere (404), and shows it to members', async () => {
    const room = await api.createRoom(owner.accessToken, uniqueName('Secret'), 'private');
    const t = other.accessToken;
    const probes: Array<[string, string, unknown?]> = [
      ['GET', `/api/rooms/${room.id}`],
      ['PATCH', `/api/rooms/${room.id}`, { name: 'x' }],
      ['DELETE', `/api/rooms/${room.id}`],
      ['POST', `/api/rooms/${room.id}/join`],
      ['POST', `/api/rooms/${room.id}/leave`],
      ['GET', `/api/rooms/${room.id}/members`],
      ['POST', `/api/rooms/${room.id}/members`, { userId: third.user.id }],
      ['DELETE', `/api/rooms/${room.id}/members/${owner.user.id}`],
      ['POST', `/api/rooms/${room.id}/read`, { seq: 1 }],
      ['GET', `/api/rooms/${room.id}/messages`],
      ['POST', `/api/rooms/${room.id}/messages`, { content: 'hi' }],
    ];
    for (const [method, path, body] of probes) {
      const result = await api.request<ErrorBody>(method, path, { token: t, body });
      expect({ method, path, status: result.status, code: result.body.code }).toEqual({ method, path, status: 404, code: 'not_found' });
    }
    const list = await api.get<Room[]>('/api/rooms', t);
    expect(list.body.some((entry) => entry.id === room.id)).toBe(false);
    // Same answer as for a room that does not exist at all.
    const missing = await api.get<ErrorBody>('/api/rooms/00000000-0000-4000-8000-000000000000', t);
    const hidden = await api.get<ErrorBody>(`/api/rooms/${room.id}`, t);
    expect({ ...missing.body, requestId: undefined }).toEqual({ ...hidden.body, requestId: undefined }); // each request has its own id

    const added = await api.post<Member>(`/api/rooms/${room.id}/members`, { userId: other.user.id }, owner.accessToken);
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ user: { id: other.user.id }, role: 'member', online: false });
    expect((await api.get<Room>(`/api/rooms/${room.id}`, t)).body).toMatchObject({ joined: true, role: 'member', visibility: 'private' });
    expect((await api.get<Room[]>('/api/rooms', t)).body.some((entry) => entry.id === room.id)).toBe(true);
  });

  it('joins and leaves public rooms idempotently', async () => {
    const room = await api.createRoom(owner.accessToken, uniqueName('Open'));
    const joined = await api.post<Room>(`/api/rooms/${room.id}/join`, undefined, other.accessToken);
    expect(joined.status).toBe(200);
    expect(joined.body).toMatchObject({ joined: true, role: 'member', memberCount: 2 });
    expect((await api.post<Room>(`/api/rooms/${room.id}/join`, undefined, other.accessToken)).body.memberCount).toBe(2);
    expect((await api.post(`/api/rooms/${room.id}/leave`, undefined, other.accessToken)).status).toBe(204);
    expect((await api.get<Room>(`/api/rooms/${room.id}`, other.accessToken)).body).toMatchObject({ joined: false, memberCount: 1 });
  });

  it('enforces roles: only owner/admin update and add, only owner deletes', async () => {
    const room = await api.createRoom(owner.accessToken, uniqueName('Roles'));
    await api.post(`/api/rooms/${room.id}/join`, undefined, other.accessToken);
    const forbiddenUpdate = await api.request<ErrorBody>('PATCH', `/api/rooms/${room.id}`, { token: other.accessToken, body: { name: 'nope' } });
    expect(forbiddenUpdate.status).toBe(403);
    expect(forbiddenUpdate.body.code).toBe('forbidden');
    expect((await api.post<ErrorBody>(`/api/rooms/${room.id}/members`, { userId: third.user.id }, other.accessToken)).status).toBe(403);

    const promoted = await api.request<Member>('PATCH', `/api/rooms/${room.id}/members/${other.user.id}`, {
      token: owner.accessToken,
      body: { role: 'admin' },
    });
    expect(promoted.body.role).toBe('admin');
    const renamed = await api.request<Room>('PATCH', `/api/rooms/${room.id}`, { token: other.accessToken, body: { name: uniqueName('Renamed'), description: 'new' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ description: 'new', role: 'admin' });
    expect((await api.request('DELETE', `/api/rooms/${room.id}`, { token: other.accessToken })).status).toBe(403);
    expect((await api.request('DELETE', `/api/rooms/${room.id}`, { token: owner.accessToken })).status).toBe(204);
    expect((await api.get(`/api/rooms/${room.id}`, owner.accessToken)).status).toBe(404);
  });

  it('kicks members: owner any, admin only plain members, nobody the owner', async () => {
    const room = await api.createRoom(owner.accessToken, uniqueName('Kick'));
    await api.post(`/api/rooms/${room.id}/join`, undefined, other.accessToken);
    await api.post(`/api/rooms/${room.id}/join`, undefined, third.accessToken);
    await api.request('PATCH', `/api/rooms/${room.id}/members/${other.user.id}`, { token: owner.accessToken, body: { role: 'admin' } });
    expect((await api.request('DELETE', `/api/rooms/${room.id}/members/${owner.user.id}`, { token: other.accessToken })).status).toBe(403);
    expect((await api.request('DELETE', `/api/rooms/${room.id}/members/${third.user.id}`, { token: other.accessToken })).status).toBe(204);
    expect((await api.request('DELETE', `/api/rooms/${room.id}/members/${third.user.id}`, { token: other.accessToken })).status).toBe(404);
    expect((await api.request('DELETE', `/api/rooms/${room.id}/members/${other.user.id}`, { token: owner.accessToken })).status).toBe(204);
    const members = await api.get<Member[]>(`/api/rooms/${room.id}/members`, owner.accessToken);
    expect(members.body.map((member) => member.user.id)).toEqual([owner.user.id]);
  });

  it('hands ownership to the longest-standing admin when the owner leaves, and tells the room', async () => {
    const founder = await api.register(uniqueName('fnd'));
    const room = await api.createRoom(founder.accessToken, uniqueName('Heir'));
    await api.post(`/api/rooms/${room.id}/join`, undefined, other.accessToken);
    await api.post(`/api/rooms/${room.id}/join`, undefined, third.accessToken);
    await api.request('PATCH', `/api/rooms/${room.id}/members/${third.user.id}`, { token: founder.accessToken, body: { role: 'admin' } });
    const watcher = await openSocket(server.url, other);
    try {
      await emitOk(watcher, 'room:join', { roomId: room.id });
      const updated = nextEvent<MemberUpdatedEvent>(watcher, 'member:updated');
      await api.post(`/api/rooms/${room.id}/leave`, undefined, founder.accessToken);
      expect(await updated).toEqual({ roomId: room.id, user: expect.objectContaining({ id: third.user.id }), role: 'owner' });
    } finally {
      watcher.disconnect();
    }
    const members = await api.get<Member[]>(`/api/rooms/${room.id}/members`, other.accessToken);
    expect(members.body.map((member) => [member.user.id, member.role])).toEqual([
      [third.user.id, 'owner'],
      [other.user.id, 'member'],
    ]);
  });

  it('adding an existing member is a conflict; adding an unknown user is not_found', async () => {
    const room = await api.createRoom(owner.accessToken, uniqueName('Add'), 'private');
    expect((await api.post(`/api/rooms/${room.id}/members`, { userId: other.user.id }, owner.accessToken)).status).toBe(201);
    const again = await api.post<ErrorBody>(`/api/rooms/${room.id}/members`, { userId: other.user.id }, owner.accessToken);
    expect([again.status, again.body.code]).toEqual([409, 'conflict']);
    const ghost = await api.post<ErrorBody>(`/api/rooms/${room.id}/members`, { userId: '00000000-0000-4000-8000-000000000000' }, owner.accessToken);
    expect([ghost.status, ghost.body.code]).toEqual([404, 'not_found']);
  });

  it('moves the read marker forward only and derives unreadCount from seqs', async () => {
    const room = await api.createRoom(owner.accessToken, uniqueName('Unread'));
    await api.post(`/api/rooms/${room.id}/join`, undefined, other.accessToken);
    for (let i = 0; i < 5; i++) await api.post(`/api/rooms/${room.id}/messages`, { content: `m${i}` }, owner.accessToken);
    const unread = async (): Promise<number | null> => (await api.get<Room>(`/api/rooms/${room.id}`, other.accessToken)).body.unreadCount;
    expect(await unread()).toBe(5); // seq 1 is the reader's own join (read by being theirs), 2–6 the messages
    expect((await api.post(`/api/rooms/${room.id}/read`, { seq: 4 }, other.accessToken)).status).toBe(204);
    expect(await unread()).toBe(2);
    await api.post(`/api/rooms/${room.id}/read`, { seq: 1 }, other.accessToken);
    expect(await unread()).toBe(2);
    await api.post(`/api/rooms/${room.id}/read`, { seq: 999 }, other.accessToken);
    expect(await unread()).toBe(0);
    // The author's own messages are read by sending them.
    expect((await api.get<Room>(`/api/rooms/${room.id}`, owner.accessToken)).body.unreadCount).toBe(0);
    const notMember = await api.post<ErrorBody>(`/api/rooms/${room.id}/read`, { seq: 1 }, third.accessToken);
    expect([notMember.status, notMember.body.code]).toEqual([403, 'forbidden']);
  });

  describe('direct rooms', () => {
    it('returns one room per pair, 201 then 200, from either side', async () => {
      const a = await api.register(uniqueName('dma'));
      const b = await api.register(uniqueName('dmb'));
      const first = await api.post<Room>('/api/dms', { userId: b.user.id }, a.accessToken);
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ kind: 'direct', visibility: 'private', memberCount: 2, joined: true });
      const second = await api.post<Room>('/api/dms', { userId: a.user.id }, b.accessToken);
      expect(second.status).toBe(200);
      expect(second.body.id).toBe(first.body.id);
      const listed = await api.get<Room[]>('/api/rooms?joined=true', b.accessToken);
      expect(listed.body.map((room) => room.id)).toContain(first.body.id);
      expect((await api.get<Room[]>('/api/rooms', b.accessToken)).body.map((room) => room.id)).not.toContain(first.body.id);
      expect((await api.get(`/api/rooms/${first.body.id}`, third.accessToken)).status).toBe(404);
    });

    it('creates exactly one room under concurrent calls', async () => {
      const a = await api.register(uniqueName('cca'));
      const b = await api.register(uniqueName('ccb'));
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => (i % 2 ? api.post<Room>('/api/dms', { userId: b.user.id }, a.accessToken) : api.post<Room>('/api/dms', { userId: a.user.id }, b.accessToken))),
      );
      expect(new Set(results.map((result) => result.body.id)).size).toBe(1);
      expect(results.filter((result) => result.status === 201)).toHaveLength(1);
      expect(results.every((result) => result.status === 200 || result.status === 201)).toBe(true);
    });

    it('refuses unknown users (404), yourself (400) and member management (403)', async () => {
      const unknown = await api.post<ErrorBody>('/api/dms', { userId: '00000000-0000-4000-8000-000000000000' }, owner.accessToken);
      expect([unknown.status, unknown.body.code]).toEqual([404, 'not_found']);
      const self = await api.post<ErrorBody>('/api/dms', { userId: owner.user.id }, owner.accessToken);
      expect([self.status, self.body.code]).toEqual([400, 'validation_failed']);
      const dm = await api.post<Room>('/api/dms', { userId: other.user.id }, owner.accessToken);
      expect((await api.post(`/api/rooms/${dm.body.id}/members`, { userId: third.user.id }, owner.accessToken)).status).toBe(403);
    });
  });
});
