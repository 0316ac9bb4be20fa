import type { AuditPage, AuthResult, ErrorBody, Member, Message, MemberMuteEvent, MemberUpdatedEvent, Report, Room, Sanction } from '@parley/contract';
import { Client } from 'pg';
import type { RunningServer } from '../apps/server/src/server';
import { Api, collect, emitAck, emitOk, eventually, nextEvent, openSocket, uniqueName, type TestSocket } from './support/client';
import { runAdminCommand } from '../apps/server/src/admin-cli';
import { startTestCluster, testEnv } from './support/server';

/**
 * Room moderation across two instances: roles by rank, mutes and bans whose end the database clock decides,
 * bans that take the user's sockets out of the room on every instance, moderators deleting messages, reports,
 * and the append-only audit log.
 */
describe('room moderation', () => {
  let servers: RunningServer[];
  let api: Api;
  let apiB: Api;
  let owner: AuthResult;
  let admin: AuthResult;
  let moderator: AuthResult;
  let member: AuthResult;
  let other: AuthResult;
  let room: Room;
  const sockets: TestSocket[] = [];

  const socketOn = async (server: RunningServer, user: AuthResult): Promise<TestSocket> => {
    const socket = await openSocket(server.url, user, { into: sockets });
    await emitOk(socket, 'room:join', { roomId: room.id });
    return socket;
  };

  beforeAll(async () => {
    servers = await startTestCluster(2);
    api = new Api(servers[0]!.url);
    apiB = new Api(servers[1]!.url);
    const register = (prefix: string): Promise<AuthResult> => api.register(uniqueName(prefix));
    [owner, admin, moderator, member, other] = await Promise.all([register('own'), register('adm'), register('mod'), register('mem'), register('oth')]);
    room = await api.createRoom(owner.accessToken, uniqueName('Moderated'));
    for (const user of [admin, moderator, member, other]) expect((await api.post(`/api/rooms/${room.id}/join`, {}, user.accessToken)).status).toBe(200);
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await Promise.all(servers.map((server) => server.close()));
  });

  const setRole = (actor: AuthResult, target: AuthResult, role: string) =>
    api.request<Member | ErrorBody>('PATCH', `/api/rooms/${room.id}/members/${target.user.id}`, { token: actor.accessToken, body: { role } });

  it('gives roles by rank: the owner names admins, admins name moderators, nobody their own rank or above', async () => {
    // The room learns of each change on every instance (the new moderator's client shows its tools at once).
    const watcher = await socketOn(servers[1]!, member);
    const updates = collect<MemberUpdatedEvent>(watcher, 'member:updated');
    expect((await setRole(owner, admin, 'admin')).body).toMatchObject({ user: { id: admin.user.id }, role: 'admin' });
    expect((await setRole(admin, moderator, 'moderator')).body).toMatchObject({ role: 'moderator' });
    expect((await setRole(admin, other, 'admin')).status).toBe(403);
    expect((await setRole(moderator, other, 'moderator')).status).toBe(403);
    expect((await setRole(member, other, 'moderator')).status).toBe(403);
    expect((await setRole(admin, owner, 'member')).status).toBe(403);
    await eventually(() => updates.length === 2, 5000, 'member:updated for both changes');
    expect(updates).toEqual([
      { roomId: room.id, user: expect.objectContaining({ id: admin.user.id }), role: 'admin' },
      { roomId: room.id, user: expect.objectContaining({ id: moderator.user.id }), role: 'moderator' },
    ]);
  });

  it('mutes until a time the database decides: sends refused on every instance, the room told, then unmuted', async () => {
    const watcher = await socketOn(servers[1]!, owner);
    const muted = await socketOn(servers[1]!, member);
    const earlier = (await api.post<Message>(`/api/rooms/${room.id}/messages`, { content: 'before the mute' }, member.accessToken)).body;
    const mutedEvent = nextEvent<MemberMuteEvent>(watcher, 'member:muted');
    const response = await api.request<Sanction>('POST', `/api/rooms/${room.id}/members/${member.user.id}/mute`, {
      token: moderator.accessToken,
      body: { durationSeconds: 3600, reason: 'flooding' },
    });
    expect(response.status).toBe(200);
    const sanction = response.body;
    expect(sanction).toMatchObject({ roomId: room.id, user: { id: member.user.id }, kind: 'mute', reason: 'flooding', createdBy: moderator.user.id });
    // Both ends come from the database's now(): exactly the duration apart, whatever the instances' clocks.
    expect(Date.parse(sanction.until!) - Date.parse(sanction.createdAt)).toBe(3600_000);
    expect(await mutedEvent).toEqual({ roomId: room.id, user: expect.objectContaining({ id: member.user.id }), until: sanction.until });

    const refused = await emitAck(muted, 'message:send', { roomId: room.id, content: 'still here?' });
    expect(refused).toEqual({ ok: false, error: { code: 'forbidden', message: 'You are muted in this room', requestId: expect.any(String) } });
    expect((await api.post(`/api/rooms/${room.id}/messages`, { content: 'rest too?' }, member.accessToken)).status).toBe(403);
    // The muted member's own view of the room says so, with the end (after a reload, say).
    expect((await apiB.get<Room>(`/api/rooms/${room.id}`, member.accessToken)).body).toMatchObject({ muted: true, mutedUntil: sanction.until });
    expect((await apiB.get<Room>(`/api/rooms/${room.id}`, other.accessToken)).body).toMatchObject({ muted: false, mutedUntil: null });
    // Nor by rewriting an earlier message.
    expect(await emitAck(muted, 'message:edit', { messageId: earlier.id, content: 'spam by editing' })).toMatchObject({
      ok: false,
      error: { code: 'forbidden', message: 'You are muted in this room' },
    });
    const sanctions = await apiB.get<Sanction[]>(`/api/rooms/${room.id}/sanctions?kind=mute`, admin.accessToken);
    expect(sanctions.body.map((entry) => entry.user.id)).toEqual([member.user.id]);
    expect((await apiB.get(`/api/rooms/${room.id}/sanctions`, member.accessToken)).status).toBe(403);

    const unmutedEvent = nextEvent<MemberMuteEvent>(watcher, 'member:unmuted');
    expect((await apiB.request('DELETE', `/api/rooms/${room.id}/members/${member.user.id}/mute`, { token: admin.accessToken })).status).toBe(204);
    expect(await unmutedEvent).toEqual({ roomId: room.id, user: expect.objectContaining({ id: member.user.id }), until: null });
    expect((await emitOk<Message>(muted, 'message:send', { roomId: room.id, content: 'back' })).content).toBe('back');
    expect((await apiB.request('DELETE', `/api/rooms/${room.id}/members/${member.user.id}/mute`, { token: admin.accessToken })).status).toBe(404);
    expect((await api.get<Room>(`/api/rooms/${room.id}`, member.accessToken)).body).toMatchObject({ muted: false, mutedUntil: null });
  });

  it('lets a mute end by itself at its time', async () => {
    const response = await api.request<Sanction>('POST', `/api/rooms/${room.id}/members/${other.user.id}/mute`, { token: owner.accessToken, body: { durationSeconds: 1 } });
    expect(response.status).toBe(200);
    expect((await api.post(`/api/rooms/${room.id}/messages`, { content: 'muted' }, other.accessToken)).status).toBe(403);
    await eventually(async () => (await api.post(`/api/rooms/${room.id}/messages`, { content: 'free again' }, other.accessToken)).status === 201, 10_000, 'the mute to end');
    expect((await api.get<Sanction[]>(`/api/rooms/${room.id}/sanctions`, owner.accessToken)).body).toEqual([]);
  });

  it('refuses moderating yourself, your rank or above, and members you do not outrank', async () => {
    const mute = (actor: AuthResult, target: AuthResult) =>
      api.request<ErrorBody>('POST', `/api/rooms/${room.id}/members/${target.user.id}/mute`, { token: actor.accessToken, body: {} });
    expect((await mute(moderator, admin)).status).toBe(403);
    expect((await mute(moderator, moderator)).status).toBe(403);
    expect((await mute(admin, owner)).status).toBe(403);
    expect((await mute(member, other)).status).toBe(403);
    expect((await api.request('DELETE', `/api/rooms/${room.id}/members/${admin.user.id}`, { token: moderator.accessToken })).status).toBe(403);
  });

  it('bans: the user leaves the room on every instance at once, cannot come back until unbanned', async () => {
    const banned = await socketOn(servers[1]!, other);
    const watcher = await socketOn(servers[1]!, owner);
    const heardByBanned = collect<Message>(banned, 'message:new');
    const left = nextEvent<{ roomId: string; user: { id: string } }>(watcher, 'member:left', (event) => event.user.id === other.user.id);
    const response = await api.request<Sanction>('POST', `/api/rooms/${room.id}/bans`, { token: moderator.accessToken, body: { userId: other.user.id, reason: 'spam' } });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ kind: 'ban', until: null, reason: 'spam' });
    await left;

    // A message after the ban reaches the watcher on the banned user's instance, and not the banned socket.
    const marker = nextEvent<Message>(watcher, 'message:new', (message) => message.content === 'after the ban');
    await api.post(`/api/rooms/${room.id}/messages`, { content: 'after the ban' }, owner.accessToken);
    await marker;
    expect(heardByBanned.map((message) => message.content)).not.toContain('after the ban');

    const rejoin = await apiB.request<ErrorBody>('POST', `/api/rooms/${room.id}/join`, { token: other.accessToken, body: {} });
    expect(rejoin.status).toBe(403);
    expect(rejoin.body.message).toBe('You are banned from this room');
    expect((await emitAck(banned, 'room:join', { roomId: room.id })).ok).toBe(false);
    expect((await api.request('DELETE', `/api/rooms/${room.id}/bans/${other.user.id}`, { token: member.accessToken })).status).toBe(403);
    expect((await api.request('DELETE', `/api/rooms/${room.id}/bans/${other.user.id}`, { token: moderator.accessToken })).status).toBe(204);
    expect((await apiB.post(`/api/rooms/${room.id}/join`, {}, other.accessToken)).status).toBe(200);
  });

  it('lets moderators delete any message (audited), members only their own', async () => {
    const message = (await api.post<Message>(`/api/rooms/${room.id}/messages`, { content: 'rude words' }, member.accessToken)).body;
    expect((await api.request('DELETE', `/api/rooms/${room.id}/messages/${message.id}`, { token: other.accessToken })).status).toBe(403);
    expect((await apiB.request('DELETE', `/api/rooms/${room.id}/messages/${message.id}`, { token: moderator.accessToken })).status).toBe(204);
    const history = await api.get<{ messages: Message[] }>(`/api/rooms/${room.id}/messages?after=${message.seq - 1}&limit=1`, owner.accessToken);
    expect(history.body.messages[0]).toMatchObject({ id: message.id, content: '', deletedAt: expect.any(String) });
    const audit = await api.get<AuditPage>(`/api/rooms/${room.id}/audit?action=message.deleted`, owner.accessToken);
    expect(audit.body.entries[0]).toMatchObject({
      action: 'message.deleted',
      actor: { id: moderator.user.id },
      targetUser: { id: member.user.id },
      messageId: message.id,
      details: { role: 'moderator', excerpt: 'rude words', seq: message.seq },
    });
  });

  it('keeps an audit log for owners and admins, newest first, filtered and paged, that cannot be changed', async () => {
    const page = await api.get<AuditPage>(`/api/rooms/${room.id}/audit`, admin.accessToken);
    expect(page.status).toBe(200);
    const actions = page.body.entries.map((entry) => entry.action);
    expect(actions).toEqual([
      'message.deleted',
      'member.unbanned',
      'member.banned',
      'member.muted',
      'member.unmuted',
      'member.muted',
      'member.role_changed',
      'member.role_changed',
    ]);
    expect(page.body.entries.at(-1)).toMatchObject({ actor: { id: owner.user.id }, targetUser: { id: admin.user.id }, details: { from: 'member', to: 'admin' } });
    const ids = page.body.entries.map((entry) => entry.id);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);

    const first = await api.get<AuditPage>(`/api/rooms/${room.id}/audit?limit=3`, owner.accessToken);
    expect(first.body.entries.map((entry) => entry.id)).toEqual(ids.slice(0, 3));
    const second = await api.get<AuditPage>(`/api/rooms/${room.id}/audit?limit=3&before=${first.body.nextBefore}`, owner.accessToken);
    expect(second.body.entries.map((entry) => entry.id)).toEqual(ids.slice(3, 6));
    const byActor = await api.get<AuditPage>(`/api/rooms/${room.id}/audit?actorId=${moderator.user.id}&action=member.banned`, owner.accessToken);
    expect(byActor.body.entries).toHaveLength(1);
    expect((await api.get(`/api/rooms/${room.id}/audit`, moderator.accessToken)).status).toBe(403);

    const db = new Client({ connectionString: servers[0]!.config.databaseUrl });
    await db.connect();
    try {
      await expect(db.query(`UPDATE audit_log SET action = 'member.kicked'`)).rejects.toThrow(/append-only/);
      await expect(db.query(`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
      await expect(db.query(`TRUNCATE audit_log`)).rejects.toThrow(/append-only/);
    } finally {
      await db.end();
    }
  });

  it('takes reports from members about messages they can see, once per message', async () => {
    const message = (await api.post<Message>(`/api/rooms/${room.id}/messages`, { content: 'buy cheap pills' }, member.accessToken)).body;
    const report = await apiB.post<{ id: number; status: string; message: { id: string } }>(`/api/rooms/${room.id}/messages/${message.id}/report`, { reason: 'spam' }, other.accessToken);
    expect(report.status).toBe(201);
    expect(report.body).toMatchObject({ status: 'open', reason: 'spam', message: { id: message.id, content: 'buy cheap pills' }, reporter: { id: other.user.id } });
    const again = await api.post<{ id: number }>(`/api/rooms/${room.id}/messages/${message.id}/report`, { reason: 'spam!!' }, other.accessToken);
    expect(again.body.id).toBe(report.body.id);
    expect((await api.post(`/api/rooms/${room.id}/messages/${message.id}/report`, { reason: 'mine' }, member.accessToken)).status).toBe(403);
    const secret = await api.createRoom(owner.accessToken, uniqueName('Secret'), 'private');
    const hidden = (await api.post<Message>(`/api/rooms/${secret.id}/messages`, { content: 'hidden' }, owner.accessToken)).body;
    expect((await api.post(`/api/rooms/${secret.id}/messages/${hidden.id}/report`, { reason: 'x' }, other.accessToken)).status).toBe(404);
    expect((await api.post(`/api/rooms/${room.id}/messages/${message.id}/report`, { reason: '' }, other.accessToken)).status).toBe(400);
  });

  it('gives site admins the report queue, resolution with deletion, suspensions and the whole audit log', async () => {
    const siteAdmin = await api.register(uniqueName('site'));
    await runAdminCommand(['grant', siteAdmin.user.username], testEnv(servers[0]!.config.databaseUrl as string));
    const open = await apiB.get<Report[]>('/api/admin/reports?status=open', siteAdmin.accessToken);
    expect(open.status).toBe(200);
    const report = open.body.find((entry) => entry.message.content === 'buy cheap pills')!;
    expect(report).toMatchObject({ roomId: room.id, roomName: room.name, status: 'open', message: { author: { id: member.user.id }, deleted: false } });
    expect((await api.get('/api/admin/reports', owner.accessToken)).status).toBe(403);

    const resolved = await api.request<Report>('POST', `/api/admin/reports/${report.id}/resolve`, {
      token: siteAdmin.accessToken,
      body: { resolution: 'actioned', deleteMessage: true },
    });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ status: 'actioned', resolvedBy: siteAdmin.user.id, message: { content: '', deleted: true } });
    expect((await api.request('POST', `/api/admin/reports/${report.id}/resolve`, { token: siteAdmin.accessToken, body: { resolution: 'dismissed' } })).status).toBe(409);
    expect((await api.request('POST', '/api/admin/reports/999999/resolve', { token: siteAdmin.accessToken, body: { resolution: 'dismissed' } })).status).toBe(404);

    expect((await api.request('POST', `/api/admin/users/${other.user.id}/suspend`, { token: siteAdmin.accessToken })).status).toBe(204);
    expect((await api.request('POST', `/api/admin/users/${other.user.id}/unsuspend`, { token: siteAdmin.accessToken })).status).toBe(204);

    const log = await apiB.get<AuditPage>('/api/admin/audit?limit=6', siteAdmin.accessToken);
    expect(log.body.entries.map((entry) => entry.action)).toEqual(['user.reinstated', 'user.suspended', 'message.deleted', 'report.resolved', 'admin.granted', 'message.deleted']);
    expect(log.body.entries[2]).toMatchObject({ actor: { id: siteAdmin.user.id }, messageId: report.message.id, details: { role: 'site-admin', reportId: report.id } });
    expect(log.body.entries[4]).toMatchObject({ actor: null, targetUser: { id: siteAdmin.user.id }, details: { via: 'npm run admin' } });
    const forRoom = await api.get<AuditPage>(`/api/admin/audit?roomId=${room.id}&action=report.resolved`, siteAdmin.accessToken);
    expect(forRoom.body.entries.map((entry) => entry.details)).toEqual([{ reportId: report.id, resolution: 'actioned' }]);
    expect((await api.get('/api/admin/audit', owner.accessToken)).status).toBe(403);
  });

  it('shows a deleted account as a deleted user in sanctions and audit entries too', async () => {
    const leaver = await api.register(uniqueName('gone'));
    expect((await api.post(`/api/rooms/${room.id}/join`, {}, leaver.accessToken)).status).toBe(200);
    expect((await api.request('POST', `/api/rooms/${room.id}/members/${leaver.user.id}/mute`, { token: owner.accessToken, body: {} })).status).toBe(200);
    expect((await api.request('DELETE', '/api/users/me', { token: leaver.accessToken, body: { password: 'password123' } })).status).toBe(204);
    const deletedUser = { id: leaver.user.id, username: 'deleted', displayName: 'Deleted user', createdAt: leaver.user.createdAt, deleted: true };
    const sanctions = await api.get<Sanction[]>(`/api/rooms/${room.id}/sanctions?kind=mute`, owner.accessToken);
    expect(sanctions.body.find((entry) => entry.user.id === leaver.user.id)?.user).toEqual(deletedUser);
    const audit = await api.get<AuditPage>(`/api/rooms/${room.id}/audit?action=member.muted&targetUserId=${leaver.user.id}`, owner.accessToken);
    expect(audit.body.entries.map((entry) => entry.targetUser)).toEqual([deletedUser]);
  });
});
