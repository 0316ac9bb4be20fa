import type { Room, User } from '@parley/client';

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });

/** "14:05" today, "Mar 3, 14:05" otherwise. */
export function shortTime(iso: string, now = new Date()): string {
  const date = new Date(iso);
  return date.toDateString() === now.toDateString() ? timeFormat.format(date) : dateTimeFormat.format(date);
}

export function longTime(iso: string): string {
  return fullFormat.format(new Date(iso));
}

/** A stable hue per user for avatars. */
export function hueOf(id: string): number {
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) | 0;
  return Math.abs(hash) % 360;
}

export function initials(user: Pick<User, 'displayName' | 'username'>): string {
  const source = user.displayName.trim() || user.username;
  const parts = source.split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? `${[...(parts[0] ?? '')][0] ?? ''}${[...(parts[1] ?? '')][0] ?? ''}` : ([...source][0] ?? '?');
  return letters.toUpperCase();
}

/**
 * What to call a room in the UI. A direct room's name is the two usernames joined by " & " (usernames cannot
 * contain spaces), so the other user's username is what is left after removing ours.
 */
export function roomLabel(room: Pick<Room, 'kind' | 'name'>, me: User | null): string {
  // A group DM's name is its members' usernames joined by ", ": the others are what is left after ours.
  if (room.kind === 'group_dm') return room.name.split(', ').filter((name) => name.toLowerCase() !== me?.username.toLowerCase()).join(', ') || room.name;
  if (room.kind !== 'direct') return room.name;
  const others = room.name.split(' & ').filter((name) => name.toLowerCase() !== me?.username.toLowerCase());
  return others[0] ?? room.name;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
