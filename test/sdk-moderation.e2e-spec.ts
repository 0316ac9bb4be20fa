import type { RunningServer } from '../apps/server/src/server';
import { runAdminCommand } from '../apps/server/src/admin-cli';
import { MemorySessionStore, ParleyClient, ParleyError, type MemberMuteEvent, type Room, type RoomHandle } from '@parley/client';
import { uniqueName } from './support/client';
import { startTestCluster, testEnv } from './support/server';

/** The SDK's moderation calls and events against two real instances: the moderator and the others on different ones. */
describe('client SDK moderation', () => {
  let servers: RunningServer[];
  const clients: ParleyClient[] = [];
  let owner: ParleyClient;
  let moderator: ParleyClient;
  let member: ParleyClient;
  let watcher: ParleyClient;
  let room: Room;

  const client = (server: RunningServer): ParleyClient => {
    const sdk = new ParleyClient({ baseUrl: server.url, store: new MemorySessionStore() });
    clients.push(sdk);
    return sdk;
  };
  const connected = (sdk: ParleyClient): Promise<void> =>
    new Promise((resolve) => {
      if (sdk.status === 'connected') return resolve();
      const off = sdk.on('status', (status) => {
        if (status === 'connected') {
          off();
          resolve();
        }
      });
    });
  const next = <T>(handle: RoomHandle, event: 'memberMuted' | 'memberUnmuted' | 'memberLeft'): Promise<T> =>
    new Promise((resolve) => {
      const off = handle.on(event, (value) => {
        off();
        resolve(value as T);
      });
    });
  const joined = async (sdk: ParleyClient): Promise<RoomHandle> => {
    sdk.connect();
    await connected(sdk);
    const handle = sdk.room(room.id);
    await handle.join();
    return handle;
  };

  beforeAll(async () => {
    servers = await startTestCluster(2);
    [owner, moderator, member, watcher] = [client(servers[0]!), client(servers[1]!), client(servers[0]!), client(servers[1]!)];
    await Promise.all([owner, moderator, member, watcher].map((sdk, i) => sdk.register(uniqueName(['own', 'mod', 'mem', 'wat'][i]), 'password123')));
    room = await owner.rest.rooms.create({ name: uniqueName('SdkMod') });
    for (const sdk of [moderator, member, watcher]) await sdk.rest.rooms.join(room.id);
  });
  afterAll(async () => {
    for (const sdk of clients) await sdk.logout();
    await Promise.all(servers.map((server) => server.close()));
  });

  it('makes a moderator, whose mute refuses sends with the contract error and reaches the room as memberMuted', async () => {
    const ownerRoom = owner.room(room.id);
    expect(await ownerRoom.setRole(moderator.user!.id, 'moderator')).toMatchObject({ user: { id: moderator.user!.id }, role: 'moderator' });
    const [modRoom, memberRoom, watcherRoom] = await Promise.all([joined(moderator), joined(member), joined(watcher)]);

    const heardByWatcher = next<MemberMuteEvent>(watcherRoom, 'memberMuted');
    const heardByMuted = next<MemberMuteEvent>(memberRoom, 'memberMuted');
    const sanction = await modRoom.mute(member.user!.id, { durationSeconds: 600, reason: 'flooding' });
    expect(sanction).toMatchObject({ kind: 'mute', user: { id: member.user!.id }, reason: 'flooding', createdBy: moderator.user!.id });
    expect(Date.parse(sanction.until!) - Date.parse(sanction.createdAt)).toBe(600_000);
    expect(await heardByWatcher).toEqual({ roomId: room.id, user: expect.objectContaining({ id: member.user!.id }), until: sanction.until });
    expect((await heardByMuted).until).toBe(sanction.until);

    const refused = await memberRoom.send('can I talk?').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ParleyError);
    expect(refused).toMatchObject({ code: 'forbidden', message: 'You are muted in this room' });
    expect((await modRoom.sanctions('mute')).map((entry) => entry.user.id)).toEqual([member.user!.id]);
    await expect(memberRoom.sanctions()).rejects.toMatchObject({ code: 'forbidden', status: 403 });

    const unmuted = next<MemberMuteEvent>(watcherRoom, 'memberUnmuted');
    await modRoom.unmute(member.user!.id);
    expect(await unmuted).toMatchObject({ roomId: room.id, user: { id: member.user!.id }, until: null });
    expect((await memberRoom.send('thanks')).content).toBe('thanks');
  });

  it('refuses acting on an equal rank with forbidden', async () => {
    await owner.room(room.id).setRole(watcher.user!.id, 'moderator');
    await expect(moderator.room(room.id).kick(watcher.user!.id)).rejects.toMatchObject({ code: 'forbidden' });
    await owner.room(room.id).setRole(watcher.user!.id, 'member');
  });

  it('bans: the banned handle closes, the room hears memberLeft, a rejoin is refused until unbanned', async () => {
    const memberRoom = member.room(room.id);
    const closed = new Promise<{ reason: string }>((resolve) => memberRoom.on('closed', resolve));
    const left = next<{ user: { id: string } }>(watcher.room(room.id), 'memberLeft');
    const ban = await moderator.room(room.id).ban(member.user!.id, { reason: 'spam' });
    expect(ban).toMatchObject({ kind: 'ban', until: null, reason: 'spam' });
    expect((await left).user.id).toBe(member.user!.id);
    expect(await closed).toEqual({ reason: 'removed' });
    await expect(member.rest.rooms.join(room.id)).rejects.toMatchObject({ code: 'forbidden', message: 'You are banned from this room' });
    await moderator.room(room.id).unban(member.user!.id);
    expect((await member.rest.rooms.join(room.id)).joined).toBe(true);
  });

  it('takes a report that a site admin sees in the queue and resolves, and keeps both in the audit logs', async () => {
    const sent = await watcher.room(room.id).send('buy cheap pills');
    const report = await moderator.room(room.id).report(sent.id, 'spam');
    expect(report).toMatchObject({ status: 'open', reason: 'spam', message: { id: sent.id, content: 'buy cheap pills' } });

    const siteAdmin = client(servers[1]!);
    const name = uniqueName('site');
    await siteAdmin.register(name, 'password123');
    await runAdminCommand(['grant', name], testEnv(servers[0]!.config.databaseUrl as string));
    await expect(owner.rest.admin.reports()).rejects.toMatchObject({ code: 'forbidden' });
    const queue = await siteAdmin.rest.admin.reports({ status: 'open' });
    expect(queue.find((entry) => entry.id === report.id)).toMatchObject({ roomId: room.id, roomName: room.name, reporter: { id: moderator.user!.id } });
    const resolved = await siteAdmin.rest.admin.resolveReport(report.id, 'actioned', { deleteMessage: true });
    expect(resolved).toMatchObject({ status: 'actioned', message: { deleted: true } });
    await expect(siteAdmin.rest.admin.resolveReport(report.id, 'dismissed')).rejects.toMatchObject({ code: 'conflict', status: 409 });

    const site = await siteAdmin.rest.admin.audit({ roomId: room.id, limit: 2 });
    expect(site.entries.map((entry) => entry.action)).toEqual(['message.deleted', 'report.resolved']);
    const page = await owner.room(room.id).audit({ limit: 3 });
    expect(page.entries.map((entry) => entry.action)).toEqual(['message.deleted', 'report.resolved', 'member.unbanned']);
    const older = await owner.room(room.id).audit({ before: page.nextBefore!, action: 'member.muted' });
    expect(older.entries).toHaveLength(1);
    expect(older.entries[0]).toMatchObject({ actor: { id: moderator.user!.id }, targetUser: { id: member.user!.id }, details: { reason: 'flooding' } });
    await expect(moderator.room(room.id).audit()).rejects.toMatchObject({ code: 'forbidden' });
  });
});
