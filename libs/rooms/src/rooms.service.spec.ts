import { DomainEvents, SystemMessages, type DomainEventMap, type DomainEventName, type SystemNotice } from '@parley/common';
import type { RoomKind, RoomRole, User } from '@parley/contract';
import type { PresenceStore } from '@parley/presence';
import type { Blocks, UsersService } from '@parley/users';
import type { MemberRecord, MembershipRecord, RoomRecord, RoomsRepository } from './rooms.repository';
import { RoomsService, toRoom, type RoomAccessLevel } from './rooms.service';
import { fake, rejection } from '../../../test/support/unit';

const CREATED_AT = new Date('2024-03-01T10:00:00.000Z');

function record(overrides: Partial<RoomRecord> = {}): RoomRecord {
  return {
    id: 'room-1',
    name: 'general',
    description: 'Talk',
    visibility: 'public',
    kind: 'group',
    createdBy: 'owner-1',
    createdAt: CREATED_AT,
    lastSeq: 10,
    memberCount: 3,
    viewerRole: null,
    viewerLastReadSeq: null,
    viewerMuted: false,
    viewerMutedUntil: null,
    ...overrides,
  };
}

function user(id: string, username = id): User {
  return { id, username, displayName: username.toUpperCase(), createdAt: '2024-01-01T00:00:00.000Z' };
}

function memberRecord(userId: string, role: RoomRole): MemberRecord {
  return {
    userId,
    username: userId,
    displayName: userId.toUpperCase(),
    userCreatedAt: new Date('2024-01-01T00:00:00.000Z'),
    userDeletedAt: null,
    role,
    joinedAt: new Date('2024-02-01T00:00:00.000Z'),
  };
}

function membership(userId: string, role: RoomRole): MembershipRecord {
  return { roomId: 'room-1', userId, role };
}

function makeFakes() {
  const repo = {
    findRoomForViewer: jest.fn<Promise<RoomRecord | null>, [string, string]>(),
    insertGroupRoom: jest.fn<Promise<RoomRecord | null>, [string, string, string, string]>(),
    updateRoom: jest
      .fn<Promise<{ name: string; description: string } | null>, [string, { name?: string; description?: string }]>()
      .mockResolvedValue({ name: 'general', description: '' }),
    deleteRoom: jest.fn<Promise<string[]>, [string]>().mockResolvedValue([]),
    findMembership: jest.fn<Promise<MembershipRecord | null>, [string, string]>().mockResolvedValue(null),
    insertMembership: jest.fn<Promise<boolean>, [string, string, RoomRole]>().mockResolvedValue(true),
    deleteMembership: jest
      .fn<Promise<(MembershipRecord & { roomKind: RoomKind; successorId: string | null; successorRole: RoomRole | null }) | null>, [string, string]>()
      .mockResolvedValue(null),
    findActiveSanction: jest.fn<Promise<null>, [string, string, string]>().mockResolvedValue(null),
    listMembers: jest.fn<Promise<MemberRecord[]>, [string]>().mockResolvedValue([]),
    advanceReadSeq: jest.fn<Promise<number | null>, [string, string, number]>().mockResolvedValue(null),
    findOrCreateDirectRoom: jest.fn<Promise<{ roomId: string; created: boolean }>, [string, string, string]>(),
  };
  const users = {
    getById: jest.fn<Promise<User>, [string]>((id) => Promise.resolve(user(id))),
    findById: jest.fn<Promise<User | null>, [string]>((id) => Promise.resolve(user(id))),
  };
  const presence = { onlineIn: jest.fn<Promise<Set<string>>, [string, string[]]>().mockResolvedValue(new Set()) };
  const events = new DomainEvents();
  const emitted: Array<{ name: DomainEventName; payload: DomainEventMap[DomainEventName] }> = [];
  jest.spyOn(events, 'emit').mockImplementation((name, payload) => void emitted.push({ name, payload }));
  const blocks = { hasBlocked: jest.fn<Promise<boolean>, [string, string]>().mockResolvedValue(false) };
  const systemMessages = new SystemMessages();
  const notices: SystemNotice[] = [];
  systemMessages.attach((notice) => {
    notices.push(notice);
    return Promise.resolve();
  });
  const service = new RoomsService(fake<RoomsRepository>(repo), fake<UsersService>(users), fake<PresenceStore>(presence), events, fake<Blocks>(blocks), systemMessages);
  return { repo, users, presence, events, emitted, service, blocks, notices };
}

describe('toRoom', () => {
  it('maps a room the viewer belongs to', () => {
    expect(toRoom(record({ viewerRole: 'admin', viewerLastReadSeq: 4 }))).toEqual({
      id: 'room-1',
      name: 'general',
      description: 'Talk',
      visibility: 'public',
      kind: 'group',
      createdBy: 'owner-1',
      createdAt: '2024-03-01T10:00:00.000Z',
      memberCount: 3,
      lastSeq: 10,
      joined: true,
      role: 'admin',
      unreadCount: 6,
      muted: false,
      mutedUntil: null,
    });
  });

  it("tells the viewer of their own mute: its end, or null for good; nothing for a non-member", () => {
    const until = new Date('2024-03-01T11:00:00.000Z');
    expect(toRoom(record({ viewerRole: 'member', viewerMuted: true, viewerMutedUntil: until }))).toMatchObject({ muted: true, mutedUntil: until.toISOString() });
    expect(toRoom(record({ viewerRole: 'member', viewerMuted: true, viewerMutedUntil: null }))).toMatchObject({ muted: true, mutedUntil: null });
    expect(toRoom(record({ viewerRole: null, viewerMuted: false }))).toMatchObject({ muted: null, mutedUntil: null });
  });

  it('maps a room the viewer is not in: not joined, no role, no unread count', () => {
    const room = toRoom(record({ viewerRole: null, viewerLastReadSeq: null }));
    expect(room.joined).toBe(false);
    expect(room.role).toBeNull();
    expect(room.unreadCount).toBeNull();
  });

  it('counts every message as unread when the read marker is missing', () => {
    expect(toRoom(record({ viewerRole: 'member', viewerLastReadSeq: null })).unreadCount).toBe(10);
  });

  it('never reports a negative unread count', () => {
    expect(toRoom(record({ viewerRole: 'member', viewerLastReadSeq: 12 })).unreadCount).toBe(0);
    expect(toRoom(record({ viewerRole: 'member', viewerLastReadSeq: 10 })).unreadCount).toBe(0);
  });

  it('maps a deleted creator to an empty createdBy', () => {
    expect(toRoom(record({ createdBy: null })).createdBy).toBe('');
  });
});

describe('RoomsService', () => {
  let fakes: ReturnType<typeof makeFakes>;

  beforeEach(() => {
    fakes = makeFakes();
  });

  describe('requireAccess', () => {
    const levels: RoomAccessLevel[] = ['view', 'member', 'manage', 'own'];

    it.each(levels)('answers not_found for a missing room (%s)', async (level) => {
      fakes.repo.findRoomForViewer.mockResolvedValue(null);
      const error = await rejection(fakes.service.requireAccess('u1', 'room-x', level));
      expect(error.code).toBe('not_found');
      expect(error.message).toBe('Room not found');
    });

    it.each(levels)('hides a private room from a non-member as not_found (%s)', async (level) => {
      fakes.repo.findRoomForViewer.mockResolvedValue(record({ visibility: 'private', viewerRole: null }));
      const error = await rejection(fakes.service.requireAccess('u1', 'room-1', level));
      expect(error.code).toBe('not_found');
      expect(error.message).toBe('Room not found');
    });

    // [visibility, role, level, allowed]
    const matrix: Array<[string, RoomRole | null, RoomAccessLevel, boolean]> = [
      ['public', null, 'view', true],
      ['public', null, 'member', false],
      ['public', null, 'manage', false],
      ['public', null, 'own', false],
      ['public', 'member', 'view', true],
      ['public', 'member', 'member', true],
      ['public', 'member', 'manage', false],
      ['public', 'member', 'own', false],
      ['private', 'member', 'view', true],
      ['private', 'member', 'member', true],
      ['private', 'member', 'manage', false],
      ['public', 'admin', 'member', true],
      ['public', 'admin', 'manage', true],
      ['private', 'admin', 'manage', true],
      ['public', 'admin', 'own', false],
      ['public', 'owner', 'view', true],
      ['public', 'owner', 'member', true],
      ['public', 'owner', 'manage', true],
      ['private', 'owner', 'own', true],
    ];

    it.each(matrix)('%s room, role %s, level %s → allowed: %s', async (visibility, role, level, allowed) => {
      const room = record({ visibility: visibility as 'public' | 'private', viewerRole: role });
      fakes.repo.findRoomForViewer.mockResolvedValue(room);
      const result = fakes.service.requireAccess('u1', 'room-1', level);
      if (allowed) {
        await expect(result).resolves.toEqual({ room, role });
      } else {
        const error = await rejection(result);
        expect(error.code).toBe('forbidden');
      }
    });

    it('explains each refusal', async () => {
      fakes.repo.findRoomForViewer.mockResolvedValue(record({ viewerRole: null }));
      expect((await rejection(fakes.service.requireAccess('u1', 'room-1', 'member'))).message).toBe('Join the room first');
      fakes.repo.findRoomForViewer.mockResolvedValue(record({ viewerRole: 'member' }));
      expect((await rejection(fakes.service.requireAccess('u1', 'room-1', 'manage'))).message).toBe(
        'Only the room owner or an admin can do this',
      );
      fakes.repo.findRoomForViewer.mockResolvedValue(record({ viewerRole: 'admin' }));
      expect((await rejection(fakes.service.requireAccess('u1', 'room-1', 'own'))).message).toBe('Only the room owner can do this');
    });
  });

  describe('createRoom', () => {
    it('creates, emits room.created and returns the room', async () => {
      fakes.repo.insertGroupRoom.mockResolvedValue(record({ viewerRole: 'owner', viewerLastReadSeq: 0, lastSeq: 0 }));
      const room = await fakes.service.createRoom('owner-1', 'general', 'Talk', 'public');
      expect(room).toMatchObject({ role: 'owner', joined: true, unreadCount: 0 });
      expect(fakes.emitted).toEqual([{ name: 'room.created', payload: { room } }]);
    });

    it('answers room_name_taken when the name exists', async () => {
      fakes.repo.insertGroupRoom.mockResolvedValue(null);
      const error = await rejection(fakes.service.createRoom('u1', 'general', '', 'public'));
      expect(error.code).toBe('room_name_taken');
      expect(error.status).toBe(409);
      expect(fakes.emitted).toEqual([]);
    });
  });

  describe('updateRoom', () => {
    it('requires manage rights', async () => {
      fakes.repo.findRoomForViewer.mockResolvedValue(record({ viewerRole: 'member' }));
      expect((await rejection(fakes.service.updateRoom('u1', 'room-1', { name: 'x' }))).code).toBe('forbidden');
      expect(fakes.repo.updateRoom).not.toHaveBeenCalled();
    });

    it('refuses to rename a direct room', async () => {
      fakes.repo.findRoomForViewer.mockResolvedValue(record({ kind: 'direct', visibility: 'private', viewerRole: 'owner' }));
      expect((await rejection(fakes.service.updateRoom('u1', 'room-1', { name: 'x' }))).code).toBe('forbidden');
      expect(fakes.repo.updateRoom).not.toHaveBeenCalled();
    });

    it('answers room_name_taken when the new name exists', async () => {
      fakes.repo.findRoomForViewer.mockResolvedValue(record({ viewerRole: 'admin' }));
      fakes.repo.updateRoom.mockResolvedValue(null);
      expect((await rejection(fakes.service.updateRoom('u1', 'room-1', { name: 'taken' }))).code).toBe('room_name_taken');
      expect(fakes.emitted).toEqual([]);
    });

    it('updates, emits room.updated with the fresh room and returns it', async () => {
      fakes.repo.findRoomForViewer
        .mockResolvedValueOnce(record({ viewerRole: 'admin' }))
        .mockResolvedValueOnce(record({ viewerRole: 'admin', name: 'renamed' }));
      fakes.repo.updateRoom.mockResolvedValue({ name: 'general', description: 'Talk' });
      const room = await fakes.service.updateRoom('u1', 'room-1', { name: 'renamed' });
      expect(room.name).toBe('renamed');
      expect(fakes.emitted).toEqual([{ name: 'room.updated', payload: { room } }]);
      expect(fakes.notices).toEqual([{ roomId: 'room-1', actor: user('u1'), event: { kind: 'room_renamed', actorId: 'u1', from: 'general', to: 'renamed' } }]);
    });

    it('records one system message per field that changed, none for a field set to what it was', async () => {
      fakes.repo.findRoomForViewer
        .mockResolvedValueOnce(record({ viewerRole: 'admin' }))
        .mockResolvedValueOnce(record({ viewerRole: 'admin', description: 'About us' }));
      fakes.repo.updateRoom.mockResolvedValue({ name: 'general', description: '' });
      await fakes.service.updateRoom('u1', 'room-1', { name: 'general', description: 'About us' });
      expect(fakes.notices.map((notice) => notice.event)).toEqual([{ kind: 'description_changed', actorId: 'u1', from: '', to: 'About us' }]);
    });
  });

  describe('deleteRoom', () => {
    it('requires the owner', async () => {
      fakes.repo.findRoomForViewer.mockResolvedValue(record({ viewerRole: 'admin' }));
      expect((await rejection(fakes.service.deleteRoom('u1', 'room-1'))).code).toBe('forbidden');
      expect(fakes.repo.deleteRoom).not.toHaveBeenCalled();
    });

    it('deletes and emits room.deleted with the former members', async () => {
      fakes.repo.findRoomForViewer.mockResolvedValue(record({ viewerRole: 'owner' }));
      fakes.repo.deleteRoom.mockResolvedValue(['u1', 'u2']);
      await fakes.service.deleteRoom('u1', 'room-1');
      expect(fakes.emitted).toEqual([{ name: 'room.deleted', payload: { roomId: 'room-1', memberIds: ['u1', 'u2'] } }]);
    });
  });

  describe('joinRoom and leaveRoom', () => {
    it('joins a public room and emits member.joined without addedBy', async () => {
      fakes.repo.findRoomForViewer
        .mockResolvedValueOnce(record({ viewerRole: null }))
        .mockResolvedValueOnce(record({ viewerRole: 'member', viewerLastReadSeq: 10 }));
      const room = await fakes.service.joinRoom('u1', 'room-1');
      expect(room).toMatchObject({ joined: true, role: 'member' });
      expect(fakes.emitted).toEqual([{ name: 'member.joined', payload: { roomId: 'room-1', user: user('u1'), addedBy: null } }]);
    });

    it('is idempotent for a member', async () => {
      fakes.repo.findRoomForViewer.mockResolvedValue(record({ viewerRole: 'member' }));
      expect((await fakes.service.joinRoom('u1', 'room-1')).role).toBe('member');
      expect(fakes.repo.insertMembership).not.toHaveBeenCalled();
      expect(fakes.emitted).toEqual([]);
    });

    it('does not emit when a concurrent join got there first', async () => {
      fakes.repo.findRoomForViewer.mockResolvedValueOnce(record()).mockResolvedValueOnce(record({ viewerRole: 'member' }));
      fakes.repo.insertMembership.mockResolvedValue(false);
      await fakes.service.joinRoom('u1', 'room-1');
      expect(fakes.emitted).toEqual([]);
    });

    it('cannot join a private room it is not in', async () => {
      fakes.repo.findRoomForViewer.mockResolvedValue(record({ visibility: 'private' }));
      expect((await rejection(fakes.service.joinRoom('u1', 'room-1'))).code).toBe('not_found');
      expect(fakes.repo.insertMembership).not.toHaveBeenCalled();
    });

    it('leaving emits member.left (not kicked) only when a membership was removed', async () => {
      fakes.repo.findRoomForViewer.mockResolvedValue(record({ viewerRole: 'member' }));
      fakes.repo.deleteMembership
        .mockResolvedValueOnce({ ...membership('u1', 'member'), roomKind: 'group', successorId: null, successorRole: null })
        .mockResolvedValueOnce(null);
      await fakes.service.leaveRoom('u1', 'room-1');
      await fakes.service.leaveRoom('u1', 'room-1');
      expect(fakes.emitted).toEqual([{ name: 'member.left', payload: { roomId: 'room-1', user: user('u1'), kicked: false } }]);
      expect(fakes.notices).toEqual([{ roomId: 'room-1', actor: user('u1'), event: { kind: 'member_left', actorId: 'u1' } }]);
    });

    it('leaving a direct room records no system message', async () => {
      fakes.repo.findRoomForViewer.mockResolvedValue(record({ kind: 'direct', visibility: 'private', viewerRole: 'member' }));
      fakes.repo.deleteMembership.mockResolvedValueOnce({ ...membership('u1', 'member'), roomKind: 'direct', successorId: null, successorRole: null });
      await fakes.service.leaveRoom('u1', 'room-1');
      expect(fakes.notices).toEqual([]);
    });
  });

  describe('owner leaving', () => {
    it('announces the successor as the new owner after member.left', async () => {
      fakes.repo.findRoomForViewer.mockResolvedValue(record({ viewerRole: 'owner' }));
      fakes.repo.deleteMembership.mockResolvedValueOnce({ ...membership('u1', 'owner'), roomKind: 'group', successorId: 'u2', successorRole: 'admin' });
      await fakes.service.leaveRoom('u1', 'room-1');
      expect(fakes.emitted).toEqual([
        { name: 'member.left', payload: { roomId: 'room-1', user: user('u1'), kicked: false } },
        { name: 'member.updated', payload: { roomId: 'room-1', user: user('u2'), role: 'owner' } },
      ]);
      expect(fakes.notices.map((notice) => notice.event)).toEqual([
        { kind: 'member_left', actorId: 'u1' },
        { kind: 'role_changed', actorId: 'u1', targetId: 'u2', role: 'owner', from: 'admin', to: 'owner' },
      ]);
    });
  });

  describe('listMembers', () => {
    it('maps members with their online state', async () => {
      fakes.repo.findRoomForViewer.mockResolvedValue(record({ viewerRole: 'member' }));
      fakes.repo.listMembers.mockResolvedValue([memberRecord('a', 'owner'), memberRecord('b', 'member')]);
      fakes.presence.onlineIn.mockResolvedValue(new Set(['b']));
      const members = await fakes.service.listMembers('u1', 'room-1');
      expect(members).toEqual([
        {
          user: { id: 'a', username: 'a', displayName: 'A', createdAt: '2024-01-01T00:00:00.000Z' },
          role: 'owner',
          joinedAt: '2024-02-01T00:00:00.000Z',
          online: false,
        },
        {
          user: { id: 'b', username: 'b', displayName: 'B', createdAt: '2024-01-01T00:00:00.000Z' },
          role: 'member',
          joinedAt: '2024-02-01T00:00:00.000Z',
          online: true,
        },
      ]);
    });

    it('hides the members of a private room from outsiders', async () => {
      fakes.repo.findRoomForViewer.mockResolvedValue(record({ visibility: 'private' }));
      expect((await rejection(fakes.service.listMembers('u1', 'room-1'))).code).toBe('not_found');
      expect(fakes.repo.listMembers).not.toHaveBeenCalled();
    });
  });

  describe('addMember', () => {
    it('requires manage rights', async () => {
      fakes.repo.findRoomForViewer.mockResolvedValue(record({ viewerRole: 'member' }));
      expect((await rejection(fakes.service.addMember('u1', 'room-1', 'u2'))).code).toBe('forbidden');
      expect(fakes.repo.insertMembership).not.toHaveBeenCalled();
    });

    it('refuses to add to a direct room', async () => {
      fakes.repo.findRoomForViewer.mockResolvedValue(record({ kind: 'direct', visibility: 'private', viewerRole: 'owner' }));
      const error = await rejection(fakes.service.addMember('u1', 'room-1', 'u2'));
      expect(error.code).toBe('forbidden');
      expect(error.message).toBe('Direct rooms have exactly two members');
    });

    it('answers not_found for an unknown user', async () => {
      fakes.repo.findRoomForViewer.mockResolvedValue(record({ viewerRole: 'admin' }));
      fakes.users.findById.mockResolvedValue(null);
      const error = await rejection(fakes.service.addMember('u1', 'room-1', 'ghost'));
      expect(error.code).toBe('not_found');
      expect(error.message).toBe('User not found');
      expect(fakes.repo.insertMembership).not.toHaveBeenCalled();
    });

    it('answers not_found, as for an unknown user, when the user blocked the caller', async () => {
      fakes.repo.findRoomForViewer.mockResolvedValue(record({ viewerRole: 'admin' }));
      fakes.blocks.hasBlocked.mockResolvedValue(true);
      const error = await rejection(fakes.service.addMember('u1', 'room-1', 'u2'));
      expect(error.code).toBe('not_found');
      expect(error.message).toBe('User not found');
      expect(fakes.blocks.hasBlocked).toHaveBeenCalledWith('u2', 'u1');
      expect(fakes.repo.insertMembership).not.toHaveBeenCalled();
    });

    it('answers conflict when the user already is a member', async () => {
      fakes.repo.findRoomForViewer.mockResolvedValue(record({ viewerRole: 'admin' }));
      fakes.repo.insertMembership.mockResolvedValue(false);
      expect((await rejection(fakes.service.addMember('u1', 'room-1', 'u2'))).code).toBe('conflict');
      expect(fakes.emitted).toEqual([]);
    });

    it('adds (also to a private room), emits member.joined with addedBy and returns the member', async () => {
      fakes.repo.findRoomForViewer.mockResolvedValue(record({ visibility: 'private', viewerRole: 'owner' }));
      fakes.repo.listMembers.mockResolvedValue([memberRecord('u1', 'owner'), memberRecord('u2', 'member')]);
      fakes.presence.onlineIn.mockResolvedValue(new Set(['u2']));
      const member = await fakes.service.addMember('u1', 'room-1', 'u2');
      expect(member).toMatchObject({ user: { id: 'u2' }, role: 'member', online: true });
      expect(fakes.emitted).toEqual([{ name: 'member.joined', payload: { roomId: 'room-1', user: user('u2'), addedBy: 'u1' } }]);
    });

    it('answers conflict when the new member left before being listed', async () => {
      fakes.repo.findRoomForViewer.mockResolvedValue(record({ viewerRole: 'owner' }));
      fakes.repo.listMembers.mockResolvedValue([memberRecord('u1', 'owner')]);
      const error = await rejection(fakes.service.addMember('u1', 'room-1', 'u2'));
      expect(error.code).toBe('conflict');
      expect(error.message).toBe('The user left the room meanwhile');
    });
  });

  describe('markRead', () => {
    it('requires membership', async () => {
      fakes.repo.findRoomForViewer.mockResolvedValue(record({ viewerRole: null }));
      expect((await rejection(fakes.service.markRead('u1', 'room-1', 5))).code).toBe('forbidden');
      expect(fakes.repo.advanceReadSeq).not.toHaveBeenCalled();
    });

    it('emits read.updated with the stored seq only when the marker moved', async () => {
      fakes.repo.findRoomForViewer.mockResolvedValue(record({ viewerRole: 'member' }));
      fakes.repo.advanceReadSeq.mockResolvedValueOnce(10).mockResolvedValueOnce(null);
      await fakes.service.markRead('u1', 'room-1', 99);
      await fakes.service.markRead('u1', 'room-1', 3);
      expect(fakes.emitted).toEqual([{ name: 'read.updated', payload: { roomId: 'room-1', userId: 'u1', seq: 10 } }]);
    });
  });

  describe('openDirectRoom', () => {
    beforeEach(() => {
      fakes.users.getById.mockResolvedValue(user('me', 'zoe'));
      fakes.users.findById.mockResolvedValue(user('other', 'adam'));
      fakes.repo.findRoomForViewer.mockResolvedValue(record({ id: 'dm-1', kind: 'direct', visibility: 'private', viewerRole: 'member' }));
    });

    it('refuses a direct room with oneself', async () => {
      const error = await rejection(fakes.service.openDirectRoom('me', 'me'));
      expect(error.code).toBe('validation_failed');
      expect(fakes.users.findById).not.toHaveBeenCalled();
      expect(fakes.repo.findOrCreateDirectRoom).not.toHaveBeenCalled();
    });

    it('answers not_found for an unknown other user', async () => {
      fakes.users.findById.mockResolvedValue(null);
      const error = await rejection(fakes.service.openDirectRoom('me', 'ghost'));
      expect(error.code).toBe('not_found');
      expect(error.message).toBe('User not found');
      expect(fakes.repo.findOrCreateDirectRoom).not.toHaveBeenCalled();
    });

    it('answers not_found, as for an unknown user, when the other user blocked the caller', async () => {
      fakes.blocks.hasBlocked.mockResolvedValue(true);
      const error = await rejection(fakes.service.openDirectRoom('me', 'other'));
      expect(error.code).toBe('not_found');
      expect(error.message).toBe('User not found');
      expect(fakes.blocks.hasBlocked).toHaveBeenCalledWith('other', 'me');
      expect(fakes.repo.findOrCreateDirectRoom).not.toHaveBeenCalled();
    });

    it('creates the room named after both users (sorted), emitting dm.created', async () => {
      fakes.repo.findOrCreateDirectRoom.mockResolvedValue({ roomId: 'dm-1', created: true });
      const { room, created } = await fakes.service.openDirectRoom('me', 'other');
      expect(fakes.repo.findOrCreateDirectRoom).toHaveBeenCalledWith('me', 'other', 'adam & zoe');
      expect(created).toBe(true);
      expect(room).toMatchObject({ id: 'dm-1', kind: 'direct' });
      expect(fakes.emitted).toEqual([{ name: 'dm.created', payload: { room, createdBy: 'me', otherUserId: 'other' } }]);
    });

    it('returns the existing room without emitting', async () => {
      fakes.repo.findOrCreateDirectRoom.mockResolvedValue({ roomId: 'dm-1', created: false });
      const result = await fakes.service.openDirectRoom('me', 'other');
      expect(result.created).toBe(false);
      expect(result.room.id).toBe('dm-1');
      expect(fakes.emitted).toEqual([]);
    });

    it('caps the generated name at 64 characters', async () => {
      fakes.users.getById.mockResolvedValue(user('me', 'm'.repeat(40)));
      fakes.users.findById.mockResolvedValue(user('other', 'o'.repeat(40)));
      fakes.repo.findOrCreateDirectRoom.mockResolvedValue({ roomId: 'dm-1', created: false });
      await fakes.service.openDirectRoom('me', 'other');
      const name = fakes.repo.findOrCreateDirectRoom.mock.calls[0]![2];
      expect(name).toHaveLength(64);
      expect(name).toBe(`${'m'.repeat(40)} & ${'o'.repeat(40)}`.slice(0, 64));
    });
  });
});
