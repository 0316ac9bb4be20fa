import { Injectable } from '@nestjs/common';
import { AuditLog, type AuditFilter } from '@parley/audit';
import { ApiError, DomainEvents, SystemMessages } from '@parley/common';
import type { AuditPage, Member, RoomRole, Sanction, SanctionKind } from '@parley/contract';
import { userView, UsersService } from '@parley/users';
import { RoomsRepository, type SanctionRecord } from './rooms.repository';
import { RoomsService } from './rooms.service';

/** Who outranks whom: a moderator acts on members, an admin on moderators and members, the owner on everyone. */
const RANK: Record<RoomRole, number> = { owner: 3, admin: 2, moderator: 1, member: 0 };

export function outranks(actor: RoomRole | null, target: RoomRole | null): boolean {
  return actor !== null && RANK[actor] > (target === null ? -1 : RANK[target]);
}

export function toSanction(record: SanctionRecord): Sanction {
  return {
    roomId: record.roomId,
    user: userView({ id: record.userId, username: record.username, displayName: record.displayName, createdAt: record.userCreatedAt, deletedAt: record.userDeletedAt }),
    kind: record.kind,
    until: record.until ? record.until.toISOString() : null,
    reason: record.reason,
    createdBy: record.createdBy,
    createdAt: record.createdAt.toISOString(),
  };
}

/**
 * Mutes and bans with expiry, kicks and role changes, each written to the audit log in the action's own
 * transaction. Owners, admins and moderators moderate (each only those they outrank); the audit log of a room
 * is for its owner and admins.
 */
@Injectable()
export class RoomModeration {
  constructor(
    private readonly rooms: RoomsService,
    private readonly repository: RoomsRepository,
    private readonly users: UsersService,
    private readonly audit: AuditLog,
    private readonly events: DomainEvents,
    private readonly systemMessages: SystemMessages,
  ) {}

  /** The caller may moderate the target in this room (a member they outrank, or a non-member for a ban). */
  private async requireOutranks(actorId: string, roomId: string, targetId: string, allowNonMember: boolean): Promise<{ targetRole: RoomRole | null }> {
    const { room, role } = await this.rooms.requireAccess(actorId, roomId, 'moderate');
    if (room.kind !== 'group') throw ApiError.forbidden('Direct rooms have no moderation');
    if (targetId === actorId) throw ApiError.forbidden('You cannot moderate yourself');
    const membership = await this.repository.findMembership(roomId, targetId);
    if (!membership) {
      if (!allowNonMember) throw ApiError.notFound('Member');
      if (!(await this.users.findById(targetId))) throw ApiError.notFound('User');
    }
    const targetRole = membership?.role ?? null;
    if (!outranks(role, targetRole)) throw ApiError.forbidden('You cannot moderate this member');
    return { targetRole };
  }

  async mute(actorId: string, roomId: string, targetId: string, durationSeconds: number | null, reason: string): Promise<Sanction> {
    await this.requireOutranks(actorId, roomId, targetId, false);
    const record = await this.repository.transaction(async (manager) => {
      const sanction = await this.repository.upsertSanction(manager, { roomId, userId: targetId, kind: 'mute', durationSeconds, reason, createdBy: actorId });
      await this.audit.record({ actorId, action: 'member.muted', roomId, targetUserId: targetId, details: { until: sanction.until?.toISOString() ?? null, reason } }, manager);
      return sanction;
    });
    const sanction = toSanction(record);
    this.events.emit('member.muted', { roomId, user: sanction.user, until: sanction.until });
    return sanction;
  }

  async unmute(actorId: string, roomId: string, targetId: string): Promise<void> {
    await this.requireOutranks(actorId, roomId, targetId, true);
    const ended = await this.repository.transaction(async (manager) => {
      const active = await this.repository.deleteActiveSanction(manager, roomId, targetId, 'mute');
      if (active) await this.audit.record({ actorId, action: 'member.unmuted', roomId, targetUserId: targetId }, manager);
      return active;
    });
    if (!ended) throw ApiError.notFound('Mute');
    this.events.emit('member.unmuted', { roomId, user: await this.users.getById(targetId), until: null });
  }

  /** Removes the user (their sockets leave the room on every instance) and keeps them out until it ends. */
  async ban(actorId: string, roomId: string, targetId: string, durationSeconds: number | null, reason: string): Promise<Sanction> {
    await this.requireOutranks(actorId, roomId, targetId, true);
    const { record, removed } = await this.repository.transaction(async (manager) => {
      const sanction = await this.repository.upsertSanction(manager, { roomId, userId: targetId, kind: 'ban', durationSeconds, reason, createdBy: actorId });
      const wasMember = await this.repository.deleteNonOwnerMembership(manager, roomId, targetId);
      await this.audit.record({ actorId, action: 'member.banned', roomId, targetUserId: targetId, details: { until: sanction.until?.toISOString() ?? null, reason } }, manager);
      return { record: sanction, removed: wasMember };
    });
    const sanction = toSanction(record);
    if (removed) {
      this.events.emit('member.left', { roomId, user: sanction.user, kicked: true });
      const actor = await this.users.getById(actorId);
      await this.systemMessages.record({ roomId, actor, target: sanction.user, event: { kind: 'member_banned', actorId, targetId } });
    }
    return sanction;
  }

  async unban(actorId: string, roomId: string, targetId: string): Promise<void> {
    await this.rooms.requireAccess(actorId, roomId, 'moderate');
    const ended = await this.repository.transaction(async (manager) => {
      const active = await this.repository.deleteActiveSanction(manager, roomId, targetId, 'ban');
      if (active) await this.audit.record({ actorId, action: 'member.unbanned', roomId, targetUserId: targetId }, manager);
      return active;
    });
    if (!ended) throw ApiError.notFound('Ban');
  }

  async kick(actorId: string, roomId: string, targetId: string): Promise<void> {
    await this.requireOutranks(actorId, roomId, targetId, false);
    const removed = await this.repository.transaction(async (manager) => {
      const deleted = await this.repository.deleteNonOwnerMembership(manager, roomId, targetId);
      if (deleted) await this.audit.record({ actorId, action: 'member.kicked', roomId, targetUserId: targetId }, manager);
      return deleted;
    });
    if (!removed) return;
    const [target, actor] = await Promise.all([this.users.getById(targetId), this.users.getById(actorId)]);
    this.events.emit('member.left', { roomId, user: target, kicked: true });
    await this.systemMessages.record({ roomId, actor, target, event: { kind: 'member_kicked', actorId, targetId } });
  }

  /** To a role below the caller's, of a member below the caller: the owner names admins, admins moderators. */
  async setRole(actorId: string, roomId: string, targetId: string, role: Exclude<RoomRole, 'owner'>): Promise<Member> {
    const { role: actorRole } = await this.rooms.requireAccess(actorId, roomId, 'moderate');
    const { targetRole } = await this.requireOutranks(actorId, roomId, targetId, false);
    if (!outranks(actorRole, role)) throw ApiError.forbidden('You cannot give a role as high as your own');
    if (targetRole !== role) {
      await this.repository.transaction(async (manager) => {
        await this.repository.updateRoleIn(manager, roomId, targetId, role);
        await this.audit.record({ actorId, action: 'member.role_changed', roomId, targetUserId: targetId, details: { from: targetRole, to: role } }, manager);
      });
    }
    const member = (await this.rooms.listMembers(actorId, roomId)).find((entry) => entry.user.id === targetId);
    if (!member) throw ApiError.notFound('Member');
    if (targetRole !== role) {
      this.events.emit('member.updated', { roomId, user: member.user, role });
      await this.systemMessages.record({
        roomId,
        actor: await this.users.getById(actorId),
        target: member.user,
        event: { kind: 'role_changed', actorId, targetId, role, from: targetRole, to: role },
      });
    }
    return member;
  }

  async listSanctions(actorId: string, roomId: string, kind: SanctionKind | null): Promise<Sanction[]> {
    await this.rooms.requireAccess(actorId, roomId, 'moderate');
    return (await this.repository.listActiveSanctions(roomId, kind)).map(toSanction);
  }

  /** Owners and admins read their room's log. */
  async roomAudit(actorId: string, roomId: string, filter: Omit<AuditFilter, 'roomId'>): Promise<AuditPage> {
    await this.rooms.requireAccess(actorId, roomId, 'manage');
    return this.audit.page({ ...filter, roomId });
  }
}
