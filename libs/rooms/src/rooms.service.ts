import { Injectable } from '@nestjs/common';
import { ApiError, DomainEvents, SystemMessages, type SystemNotice } from '@parley/common';
import type { Member, Room, RoomRole, RoomVisibility, User } from '@parley/contract';
import { PresenceStore } from '@parley/presence';
import { Blocks, userView, UsersService } from '@parley/users';
import { RoomsRepository, type RoomRecord } from './rooms.repository';

/** What a caller needs to be allowed to do something with a room. */
/** `post`: a member who is not muted (editing; sends check the mute inside their statement). */
export type RoomAccessLevel = 'view' | 'member' | 'post' | 'moderate' | 'manage' | 'own';

export interface RoomAccess {
  room: RoomRecord;
  role: RoomRole | null;
}

export function toRoom(record: RoomRecord): Room {
  const joined = record.viewerRole !== null;
  return {
    id: record.id,
    name: record.name,
    description: record.description,
    visibility: record.visibility,
    kind: record.kind,
    createdBy: record.createdBy ?? '',
    createdAt: record.createdAt.toISOString(),
    memberCount: record.memberCount,
    lastSeq: record.lastSeq,
    joined,
    role: record.viewerRole,
    unreadCount: joined ? Math.max(0, record.lastSeq - (record.viewerLastReadSeq ?? 0)) : null,
    muted: joined ? record.viewerMuted : null,
    mutedUntil: joined && record.viewerMuted ? (record.viewerMutedUntil?.toISOString() ?? null) : null,
  };
}

const MANAGERS: ReadonlySet<RoomRole> = new Set(['owner', 'admin']);
const MODERATORS: ReadonlySet<RoomRole> = new Set(['owner', 'admin', 'moderator']);

@Injectable()
export class RoomsService {
  constructor(
    private readonly repository: RoomsRepository,
    private readonly users: UsersService,
    private readonly presence: PresenceStore,
    private readonly events: DomainEvents,
    private readonly blocks: Blocks,
    private readonly systemMessages: SystemMessages,
  ) {}

  /**
   * The single access check in front of every room read or write (REST, sockets, SSE).
   * A private room the caller is not in does not exist for them: 404, never 403.
   */
  async requireAccess(userId: string, roomId: string, level: RoomAccessLevel): Promise<RoomAccess> {
    const room = await this.repository.findRoomForViewer(roomId, userId);
    const role = room?.viewerRole ?? null;
    if (!room || (room.visibility === 'private' && role === null)) throw ApiError.notFound('Room');
    switch (level) {
      case 'view':
        break;
      case 'member':
        if (role === null) throw ApiError.forbidden('Join the room first');
        break;
      case 'post':
        if (role === null) throw ApiError.forbidden('Join the room first');
        if (room.viewerMuted) throw ApiError.forbidden('You are muted in this room');
        break;
      case 'moderate':
        if (role === null || !MODERATORS.has(role)) throw ApiError.forbidden('Only the room owner, an admin or a moderator can do this');
        break;
      case 'manage':
        if (role === null || !MANAGERS.has(role)) throw ApiError.forbidden('Only the room owner or an admin can do this');
        break;
      case 'own':
        if (role !== 'owner') throw ApiError.forbidden('Only the room owner can do this');
        break;
    }
    return { room, role };
  }

  async getRoom(userId: string, roomId: string): Promise<Room> {
    return toRoom((await this.requireAccess(userId, roomId, 'view')).room);
  }

  async listRooms(userId: string, joinedOnly: boolean): Promise<Room[]> {
    const records = joinedOnly ? await this.repository.listJoinedRooms(userId) : await this.repository.listVisibleGroupRooms(userId);
    return records.map(toRoom);
  }

  /** Rooms by id, in the given order, as the caller sees them; those the caller cannot see are left out. */
  async viewRooms(userId: string, roomIds: readonly string[]): Promise<Room[]> {
    const records = new Map((await this.repository.findRoomsForViewer(roomIds, userId)).map((record) => [record.id, record]));
    return roomIds
      .map((id) => records.get(id))
      .filter((record): record is RoomRecord => record !== undefined && (record.visibility === 'public' || record.viewerRole !== null))
      .map(toRoom);
  }

  async createRoom(userId: string, name: string, description: string, visibility: RoomVisibility): Promise<Room> {
    const record = await this.repository.insertGroupRoom(name, description, visibility, userId);
    if (!record) throw new ApiError('room_name_taken', 'A room with this name already exists');
    const room = toRoom(record);
    this.events.emit('room.created', { room });
    return room;
  }

  async updateRoom(userId: string, roomId: string, changes: { name?: string; description?: string }): Promise<Room> {
    const { room } = await this.requireAccess(userId, roomId, 'manage');
    if (room.kind !== 'group') throw ApiError.forbidden('Direct rooms cannot be renamed');
    const previous = await this.repository.updateRoom(roomId, changes);
    if (!previous) throw new ApiError('room_name_taken', 'A room with this name already exists');
    const updated = await this.getRoom(userId, roomId);
    this.events.emit('room.updated', { room: updated });
    const actor = await this.users.getById(userId);
    const notices: SystemNotice[] = [];
    if (previous.name !== updated.name) notices.push({ roomId, actor, event: { kind: 'room_renamed', actorId: userId, from: previous.name, to: updated.name } });
    if (previous.description !== updated.description) {
      notices.push({ roomId, actor, event: { kind: 'description_changed', actorId: userId, from: previous.description, to: updated.description } });
    }
    await this.systemMessages.record(...notices);
    return updated;
  }

  async deleteRoom(userId: string, roomId: string): Promise<void> {
    await this.requireAccess(userId, roomId, 'own');
    const memberIds = await this.repository.deleteRoom(roomId);
    this.events.emit('room.deleted', { roomId, memberIds });
  }

  /** Joins a public room (idempotent); a private room can only be entered by being added. */
  async joinRoom(userId: string, roomId: string): Promise<Room> {
    const { room, role } = await this.requireAccess(userId, roomId, 'view');
    if (role !== null) return toRoom(room);
    if (room.visibility !== 'public') throw ApiError.notFound('Room');
    if (await this.repository.findActiveSanction(roomId, userId, 'ban')) throw ApiError.forbidden('You are banned from this room');
    if (await this.repository.insertMembership(roomId, userId, 'member')) {
      const user = await this.users.getById(userId);
      this.events.emit('member.joined', { roomId, user, addedBy: null });
      await this.systemMessages.record({ roomId, actor: user, event: { kind: 'member_joined', actorId: userId } });
    }
    return this.getRoom(userId, roomId);
  }

  async leaveRoom(userId: string, roomId: string): Promise<void> {
    await this.requireAccess(userId, roomId, 'view');
    const removed = await this.repository.deleteMembership(roomId, userId);
    if (!removed) return;
    const user = await this.users.getById(userId);
    this.events.emit('member.left', { roomId, user, kicked: false });
    const successor = removed.successorId ? await this.users.getById(removed.successorId) : null;
    if (successor) this.events.emit('member.updated', { roomId, user: successor, role: 'owner' });
    // A direct room has no membership story to tell: opening it again brings its two people back silently.
    if (removed.roomKind === 'direct') return;
    const notices: SystemNotice[] = [{ roomId, actor: user, event: { kind: 'member_left', actorId: userId } }];
    if (successor) {
      notices.push({ roomId, actor: user, target: successor, event: { kind: 'role_changed', actorId: userId, targetId: successor.id, role: 'owner', from: removed.successorRole, to: 'owner' } });
    }
    await this.systemMessages.record(...notices);
  }

  async listMembers(userId: string, roomId: string): Promise<Member[]> {
    await this.requireAccess(userId, roomId, 'view');
    const members = await this.repository.listMembers(roomId);
    const online = await this.presence.onlineIn(roomId, members.map((member) => member.userId));
    return members.map((member) => ({
      user: userView({
        id: member.userId,
        username: member.username,
        displayName: member.displayName,
        createdAt: member.userCreatedAt,
        deletedAt: member.userDeletedAt,
      }),
      role: member.role,
      joinedAt: member.joinedAt.toISOString(),
      online: online.has(member.userId),
    }));
  }

  async addMember(userId: string, roomId: string, newMemberId: string): Promise<Member> {
    const { room } = await this.requireAccess(userId, roomId, 'manage');
    if (room.kind === 'direct') throw ApiError.forbidden('Direct rooms have exactly two members');
    if (room.kind === 'group_dm') throw ApiError.forbidden('Adding people to a group DM opens the group DM of the new set: POST /api/group-dms/:id/add');
    const user = await this.users.findById(newMemberId);
    // Someone who blocked the caller does not exist for them here (contract §10).
    if (!user || user.deleted || (await this.blocks.hasBlocked(newMemberId, userId))) throw ApiError.notFound('User');
    if (await this.repository.findActiveSanction(roomId, newMemberId, 'ban')) throw ApiError.forbidden('The user is banned from this room');
    if (!(await this.repository.insertMembership(roomId, newMemberId, 'member'))) {
      throw ApiError.conflict('The user is already a member of this room');
    }
    this.events.emit('member.joined', { roomId, user, addedBy: userId });
    await this.systemMessages.record({ roomId, actor: await this.users.getById(userId), target: user, event: { kind: 'member_added', actorId: userId, targetId: newMemberId } });
    const member = (await this.listMembers(userId, roomId)).find((entry) => entry.user.id === newMemberId);
    if (!member) throw ApiError.conflict('The user left the room meanwhile');
    return member;
  }

  /** Moves the caller's read marker forward (never back) and tells the room. */
  async markRead(userId: string, roomId: string, seq: number): Promise<void> {
    await this.requireAccess(userId, roomId, 'member');
    const advanced = await this.repository.advanceReadSeq(roomId, userId, seq);
    if (advanced !== null) this.events.emit('read.updated', { roomId, userId, seq: advanced });
  }

  /** The one direct room between the caller and another user; `created` tells 201 from 200. */
  async openDirectRoom(userId: string, otherUserId: string): Promise<{ room: Room; created: boolean }> {
    if (otherUserId === userId) throw ApiError.validation('A direct room needs another user');
    const [me, other] = await Promise.all([this.users.getById(userId), this.users.findById(otherUserId)]);
    // Someone who blocked the caller does not exist for them here (contract §10).
    if (!other || other.deleted || (await this.blocks.hasBlocked(otherUserId, userId))) throw ApiError.notFound('User');
    const name = directRoomName(me, other);
    const { roomId, created } = await this.repository.findOrCreateDirectRoom(userId, otherUserId, name);
    const room = await this.getRoom(userId, roomId);
    if (created) this.events.emit('dm.created', { room, createdBy: userId, otherUserId });
    return { room, created };
  }

  /**
   * The one group DM of the caller and `userIds` (2–8 other people): the same room on every call for the same
   * set, even concurrent ones; `created` tells 201 from 200. Its name is made of the members' usernames.
   */
  async openGroupDm(userId: string, userIds: string[]): Promise<{ room: Room; created: boolean }> {
    const others = await this.checkGroupDmParticipants(userId, userIds);
    const me = await this.users.getById(userId);
    const memberIds = [userId, ...others.map((user) => user.id)];
    const { roomId, created } = await this.repository.findOrCreateGroupDm(userId, memberIds, groupDmName([me, ...others]));
    const room = await this.getRoom(userId, roomId);
    if (created) this.events.emit('group_dm.created', { room, createdBy: userId, memberIds });
    return { room, created };
  }

  /**
   * Adding people to a group DM opens the group DM of the new set (its members, the caller's included, plus
   * `userIds`): the same set of people is always the same conversation, so the existing one is not changed and
   * its history stays with the people it was written for.
   */
  async addToGroupDm(userId: string, roomId: string, userIds: string[]): Promise<{ room: Room; created: boolean }> {
    const { room } = await this.requireAccess(userId, roomId, 'member');
    if (room.kind !== 'group_dm') throw ApiError.forbidden('Only group DMs take people this way; add members to a room with POST /api/rooms/:id/members');
    const current = (await this.repository.listMemberIds(roomId)).filter((id) => id !== userId);
    const added = userIds.filter((id) => !current.includes(id));
    if (added.length !== userIds.length) throw ApiError.validation('Some of these people are in the group DM already', { userIds: ['already members'] });
    return this.openGroupDm(userId, [...current, ...userIds]);
  }

  /**
   * The single check of a group DM's participants (`userIds`: the others, the caller left out): 2–8 distinct
   * existing users, none of them the caller, and none who blocked the caller: someone who blocked you does not
   * exist for you here, as for a direct room (`not_found`, contract §10). As for a direct room, you may still
   * include someone you blocked.
   */
  async checkGroupDmParticipants(userId: string, userIds: string[]): Promise<User[]> {
    if (userIds.includes(userId)) throw ApiError.validation('Leave yourself out of userIds: you are in every group DM you open', { userIds: ['must not contain yourself'] });
    if (new Set(userIds).size !== userIds.length) throw ApiError.validation('userIds has duplicates', { userIds: ["All userIds's elements must be unique"] });
    if (userIds.length < MIN_GROUP_DM_OTHERS || userIds.length > MAX_GROUP_DM_OTHERS) {
      throw ApiError.validation(`A group DM has ${MIN_GROUP_DM_OTHERS}–${MAX_GROUP_DM_OTHERS} other people (one other: POST /api/dms)`, {
        userIds: [`must contain ${MIN_GROUP_DM_OTHERS} to ${MAX_GROUP_DM_OTHERS} elements`],
      });
    }
    const users = await this.users.findByIds(userIds);
    const found = new Map(users.filter((user) => !user.deleted).map((user) => [user.id, user]));
    if (found.size !== userIds.length || (await this.blocks.blockersAmong(userId, userIds)).size > 0) throw ApiError.notFound('User');
    return userIds.map((id) => found.get(id) as User);
  }

  countRooms(): Promise<number> {
    return this.repository.countRooms();
  }

  /** Of the given (room, user) pairs, those that are memberships, as "roomId|userId". */
  filterMemberships(pairs: Array<{ roomId: string; userId: string }>): Promise<Set<string>> {
    return this.repository.filterMemberships(pairs);
  }

  listMemberIds(roomId: string): Promise<string[]> {
    return this.repository.listMemberIds(roomId);
  }

  /** Of `otherIds`, those who share a room with `userId`. */
  async usersSharingARoom(userId: string, otherIds: string[]): Promise<Set<string>> {
    return new Set(await this.repository.usersSharingARoom(userId, otherIds));
  }

  /** The other users of `userId`'s direct rooms, newest first, at most `limit`. */
  directPartnerIds(userId: string, limit: number): Promise<string[]> {
    return this.repository.directPartnerIds(userId, limit);
  }
}

/** Other people in a group DM, the creator left out (one other person is a direct room). */
export const MIN_GROUP_DM_OTHERS = 2;
export const MAX_GROUP_DM_OTHERS = 8;

function groupDmName(members: User[]): string {
  return members
    .map((user) => user.username)
    .sort()
    .join(', ')
    .slice(0, 64);
}

function directRoomName(a: User, b: User): string {
  return [a.username, b.username].sort().join(' & ').slice(0, 64);
}
