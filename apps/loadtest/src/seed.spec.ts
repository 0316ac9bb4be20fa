import { artilleryCsv, parseSeed, roomName, username, type SeedFile } from './seed';

const seed: SeedFile = {
  kind: 'parley-loadtest-seed',
  version: 1,
  createdAt: '2030-01-01T00:00:00.000Z',
  updatedAt: '2030-01-01T00:00:00.000Z',
  prefix: 'lt_',
  clients: 2,
  roomSize: 2,
  rooms: [{ id: 'r1', name: 'lt_room-0' }],
  users: [
    {
      username: 'lt_0',
      userId: 'u0',
      roomId: 'r1',
      session: { user: { id: 'u0', username: 'lt_0', displayName: 'lt_0', createdAt: '' }, accessToken: 'a0', refreshToken: 'f0', accessTokenExpiresAt: 1 },
    },
    { username: 'lt_1', userId: 'u1', roomId: 'r1', session: null },
  ],
};

describe('seed files', () => {
  it('names users and rooms from the prefix', () => {
    expect(username('lt_', 12)).toBe('lt_12');
    expect(roomName('lt_', 3)).toBe('lt_room-3');
  });

  it('round-trips and validates', () => {
    expect(parseSeed(JSON.stringify(seed))).toEqual(seed);
    expect(() => parseSeed('{')).toThrow('not JSON');
    expect(() => parseSeed('{}')).toThrow('Not a seed file');
    expect(() => parseSeed(JSON.stringify({ ...seed, prefix: 3 }))).toThrow('lacks prefix');
    expect(() => parseSeed(JSON.stringify({ ...seed, clients: 3 }))).toThrow('one user per client');
    expect(() => parseSeed(JSON.stringify({ ...seed, rooms: undefined }))).toThrow('lacks its rooms');
    expect(() => parseSeed(JSON.stringify({ ...seed, users: [seed.users[0], { username: 'x' }] }))).toThrow('incomplete');
  });

  it('writes the Artillery payload with current access tokens', () => {
    expect(artilleryCsv(seed, 'pass,"word"')).toBe('username,password,userId,roomId,token\nlt_0,"pass,""word""",u0,r1,a0\nlt_1,"pass,""word""",u1,r1,\n');
  });
});
