import type { SystemNotice } from '@parley/common';
import type { RoomRole } from '@parley/contract';

const ROLE_NAMES: Record<RoomRole, string> = { owner: 'the owner', admin: 'an admin', moderator: 'a moderator', member: 'a member' };

/**
 * The human-readable line of a system message (its `content`), from the names at the time of the change;
 * clients that know the event kinds may render `event` themselves instead.
 */
export function systemText({ actor, target, event }: SystemNotice): string {
  const who = actor.displayName;
  const whom = target?.displayName ?? 'someone';
  switch (event.kind) {
    case 'member_joined':
      return `${who} joined`;
    case 'member_added':
      return `${who} added ${whom}`;
    case 'member_left':
      return `${who} left`;
    case 'member_kicked':
      return `${who} removed ${whom}`;
    case 'member_banned':
      return `${who} banned ${whom}`;
    case 'role_changed':
      // The owner leaving hands the room on: nobody chose it, so the line names the new owner alone.
      if (event.role === 'owner') return `${whom} is now the owner`;
      return `${who} made ${whom} ${ROLE_NAMES[event.role ?? 'member']}`;
    case 'room_renamed':
      return `${who} renamed the room to “${event.to ?? ''}”`;
    case 'description_changed':
      return event.to ? `${who} changed the description` : `${who} removed the description`;
  }
}
