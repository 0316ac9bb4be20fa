import type { RoomRole } from '@parley/contract';

/** A room's roles by rank, as the server orders them: owner > admin > moderator > member. */
export const ROLE_RANK: Readonly<Record<RoomRole, number>> = { owner: 3, admin: 2, moderator: 1, member: 0 };

/** The actor may mute, kick or ban the target: moderators and above act on members of lower rank only. */
export function canModerate(actor: RoomRole | null, target: RoomRole | null): boolean {
  if (actor === null || ROLE_RANK[actor] < ROLE_RANK.moderator) return false;
  return target === null || ROLE_RANK[actor] > ROLE_RANK[target];
}

/** Roles the actor may give the target (the owner names admins, admins name moderators); empty when none. */
export function assignableRoles(actor: RoomRole | null, target: RoomRole | null): Array<Exclude<RoomRole, 'owner'>> {
  if (!canModerate(actor, target) || actor === null) return [];
  const roles: Array<Exclude<RoomRole, 'owner'>> = ['admin', 'moderator', 'member'];
  return roles.filter((role) => ROLE_RANK[role] < ROLE_RANK[actor] && role !== target);
}

/** Owners and admins read the room's audit log; moderators and above see its sanctions. */
export function canReadAudit(role: RoomRole | null): boolean {
  return role === 'owner' || role === 'admin';
}
