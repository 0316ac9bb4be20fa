/**
 * Seed files (pure): what `--seed-only` provisioned, so that large runs can skip the logins (argon2 is
 * deliberately slow) and Artillery can use the same users and rooms.
 */
import type { Session } from '@parley/client';

export interface SeedUser {
  username: string;
  userId: string;
  roomId: string;
  /** The latest session (refresh tokens rotate: the file is rewritten after every use). */
  session: Session | null;
}

export interface SeedFile {
  kind: 'parley-loadtest-seed';
  version: 1;
  createdAt: string;
  updatedAt: string;
  prefix: string;
  clients: number;
  roomSize: number;
  rooms: Array<{ id: string; name: string }>;
  users: SeedUser[];
}

export function roomName(prefix: string, room: number): string {
  return `${prefix}room-${room}`;
}

export function username(prefix: string, client: number): string {
  return `${prefix}${client}`;
}

export function parseSeed(text: string): SeedFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error('The seed file is not JSON');
  }
  const seed = data as Partial<SeedFile>;
  if (seed.kind !== 'parley-loadtest-seed' || seed.version !== 1) throw new Error('Not a seed file written by `npm run loadtest -- --seed-only`');
  if (typeof seed.prefix !== 'string' || !Number.isInteger(seed.clients) || !Number.isInteger(seed.roomSize)) throw new Error('The seed file lacks prefix, clients or roomSize');
  if (!Array.isArray(seed.users) || seed.users.length !== seed.clients) throw new Error('The seed file has not one user per client');
  if (!Array.isArray(seed.rooms)) throw new Error('The seed file lacks its rooms');
  for (const user of seed.users) {
    if (typeof user?.username !== 'string' || typeof user.userId !== 'string' || typeof user.roomId !== 'string') throw new Error('A user of the seed file is incomplete');
  }
  return seed as SeedFile;
}

const csvField = (value: string): string => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/**
 * Artillery payload: one line per user with its room and a current access token (valid for the server's
 * ACCESS_TOKEN_TTL, 15 min by default). Columns: username, password, userId, roomId, token.
 */
export function artilleryCsv(seed: SeedFile, password: string): string {
  const lines = ['username,password,userId,roomId,token'];
  for (const user of seed.users) {
    lines.push([user.username, password, user.userId, user.roomId, user.session?.accessToken ?? ''].map(csvField).join(','));
  }
  return `${lines.join('\n')}\n`;
}
