import { DomainEvents } from '@parley/common';
import type { AppConfig } from '@parley/config';
import type { ChosenStatus, UserStatus } from '@parley/contract';
import { InMemoryPresenceStore } from '@parley/presence';
import { LocalChannelBus } from '@parley/redis';
import type { RoomsService } from '@parley/rooms';
import type { Blocks } from '@parley/users';
import { fake } from '../../../test/support/unit';
import type { ConnectionStore } from './connection-store';
import type { ContactsRepository, StatusRecord } from './contacts.repository';
import { effectiveStatus, statusChannel, UserStatuses, WATCHES_PER_SOCKET, type StatusServer, type StatusSocket } from './user-statuses';

describe('effectiveStatus', () => {
  it.each<[ChosenStatus, boolean, boolean, string]>([
    ['online', false, false, 'offline'],
    ['busy', false, true, 'offline'],
    ['online', true, true, 'online'],
    ['online', true, false, 'away'],
    ['away', true, true, 'away'],
    ['busy', true, false, 'busy'],
  ])('chosen %s, connected %s, active %s: %s', (chosen, connected, active, expected) => {
    expect(effectiveStatus(chosen, connected, active)).toBe(expected);
  });
});

describe('UserStatuses', () => {
  const records = new Map<string, StatusRecord>();
  const emitted: Array<{ room: string; status: UserStatus }> = [];
  const server: StatusServer = {
    to: (room) => ({ emit: (_event, status) => emitted.push({ room, status }) > 0 }),
    in: () => ({ socketsJoin: () => undefined, socketsLeave: () => undefined }),
  };
  const socket = (id: string): StatusSocket & { rooms: Set<string> } => {
    const rooms = new Set<string>([id]);
    return { id, rooms, join: (names) => void [names].flat().forEach((name) => rooms.add(name)), leave: (name) => void rooms.delete(name) };
  };
  let statuses: UserStatuses;
  let contacts: string[];
  let sharing: string[];
  let blockers: string[];

  beforeEach(() => {
    emitted.length = 0;
    records.clear();
    for (const id of ['me', 'friend', 'mate', 'stranger', 'blocker']) records.set(id, { userId: id, chosen: 'online', statusText: null, lastSeenAt: null });
    contacts = ['friend', 'blocker'];
    sharing = ['mate'];
    blockers = ['blocker'];
    const repository = {
      contactIds: () => Promise.resolve(contacts),
      contactsAmong: (_owner: string, ids: string[]) => Promise.resolve(ids.filter((id) => contacts.includes(id))),
      findStatuses: (ids: string[]) => Promise.resolve(ids.flatMap((id) => (records.has(id) ? [records.get(id)!] : []))),
      touchLastSeen: () => Promise.resolve(new Date()),
      saveChoice: (userId: string, chosen: ChosenStatus | undefined, text: string | null | undefined) => {
        const record = records.get(userId)!;
        records.set(userId, { ...record, chosen: chosen ?? record.chosen, statusText: text === undefined ? record.statusText : text });
        return Promise.resolve();
      },
    };
    const rooms = {
      usersSharingARoom: (_viewer: string, ids: string[]) => Promise.resolve(new Set(ids.filter((id) => sharing.includes(id)))),
      directPartnerIds: () => Promise.resolve([]),
    };
    const blocks = { blockersAmong: (_viewer: string, ids: readonly string[]) => Promise.resolve(new Set(ids.filter((id) => blockers.includes(id)))) };
    statuses = new UserStatuses(
      fake<ConnectionStore>(new InMemoryPresenceStore()),
      fake<ContactsRepository>(repository),
      fake<RoomsService>(rooms),
      fake<Blocks>(blocks),
      fake<AppConfig>({ awayAfterMs: 60_000 }),
      new DomainEvents(),
      new LocalChannelBus(),
    );
    statuses.attach(server, (id) => `user:${id}`);
  });

  it('sees oneself, contacts and users sharing a room; never strangers or users who blocked the viewer', async () => {
    expect(await statuses.visibleAmong('me', ['me', 'friend', 'mate', 'stranger', 'blocker'])).toEqual(new Set(['me', 'friend', 'mate']));
  });

  it('watches on connect its own user and its contacts, minus those who blocked it, and announces itself online', async () => {
    const mine = socket('s1');
    await statuses.connected(mine, 'me');
    expect([...mine.rooms].sort()).toEqual(['s1', statusChannel('friend'), statusChannel('me')].sort());
    expect(emitted).toEqual([{ room: statusChannel('me'), status: { userId: 'me', status: 'online', statusText: null, lastSeenAt: null } }]);
    await statuses.disconnected(mine);
    expect(emitted[1]).toEqual({ room: statusChannel('me'), status: expect.objectContaining({ userId: 'me', status: 'offline' }) });
  });

  it('status:watch joins the visible users only and answers their statuses; the rest are left out', async () => {
    const mine = socket('s1');
    await statuses.connected(mine, 'me');
    const answer = await statuses.watch(mine, 'me', ['mate', 'stranger', 'blocker', 'unknown']);
    expect(answer).toEqual([{ userId: 'mate', status: 'offline', statusText: null, lastSeenAt: null }]);
    expect(mine.rooms.has(statusChannel('mate'))).toBe(true);
    expect(mine.rooms.has(statusChannel('stranger'))).toBe(false);
    await statuses.unwatch(mine, 'me', ['mate', 'me']);
    expect(mine.rooms.has(statusChannel('mate'))).toBe(false);
    expect(mine.rooms.has(statusChannel('me'))).toBe(true);
  });

  it('refuses to watch more than the per-socket limit', async () => {
    const mine = socket('s1');
    await statuses.connected(mine, 'me');
    for (let i = 0; mine.rooms.size <= WATCHES_PER_SOCKET; i++) mine.rooms.add(statusChannel(`x${i}`));
    await expect(statuses.watch(mine, 'me', ['mate'])).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('shows users who blocked the viewer as never seen', async () => {
    records.set('blocker', { userId: 'blocker', chosen: 'busy', statusText: 'secret', lastSeenAt: new Date() });
    const seen = await statuses.statusesFor('me', ['blocker', 'friend']);
    expect(seen.get('blocker')).toEqual({ userId: 'blocker', status: 'offline', statusText: null, lastSeenAt: null });
    expect(seen.get('friend')?.userId).toBe('friend');
  });

  it('sets the status and text (an empty text clears it) and announces before answering', async () => {
    await statuses.connected(socket('s1'), 'me');
    emitted.length = 0;
    expect(await statuses.set('me', { status: 'busy', statusText: 'meeting' })).toMatchObject({ status: 'busy', statusText: 'meeting' });
    expect(emitted.map((entry) => entry.status.status)).toEqual(['busy']);
    expect(await statuses.set('me', { statusText: '' })).toMatchObject({ status: 'busy', statusText: null });
  });

  it('does not announce idleness that does not show (a busy user going idle), and does announce it otherwise', async () => {
    jest.useFakeTimers();
    try {
      const mine = socket('s1');
      await statuses.connected(mine, 'me');
      records.set('me', { ...records.get('me')!, chosen: 'busy' });
      emitted.length = 0;
      jest.advanceTimersByTime(60_000);
      await statuses.settled(mine);
      expect(emitted).toEqual([]);
      records.set('me', { ...records.get('me')!, chosen: 'online' });
      statuses.activity(mine, 'auth:refresh'); // passive: still idle
      await statuses.settled(mine);
      expect(emitted).toEqual([]);
      statuses.activity(mine, 'message:send');
      await statuses.settled(mine);
      expect(emitted.map((entry) => entry.status.status)).toEqual(['online']);
      jest.advanceTimersByTime(60_000);
      await statuses.settled(mine);
      expect(emitted.map((entry) => entry.status.status)).toEqual(['online', 'away']);
      await statuses.disconnected(mine);
    } finally {
      jest.useRealTimers();
    }
  });
});
