import { refreshTime, sessionFrom } from './session';

const user = { id: 'u1', username: 'ann', displayName: 'Ann', createdAt: '2026-01-01T00:00:00.000Z' };

describe('session refresh time', () => {
  it('refreshes 30 s before expiry when the token lives long', () => {
    const session = sessionFrom({ user, accessToken: 'a', refreshToken: 'r', expiresIn: 900 }, 1_000_000);
    expect(session.accessTokenExpiresAt).toBe(1_900_000);
    expect(refreshTime(session)).toBe(1_870_000);
  });

  it('refreshes a quarter of the lifetime ahead when that is shorter (never right away)', () => {
    const session = sessionFrom({ user, accessToken: 'a', refreshToken: 'r', expiresIn: 10 }, 1_000_000);
    expect(refreshTime(session)).toBe(1_007_500);
  });

  it('falls back to 30 s before expiry for a session saved without refreshAt', () => {
    expect(refreshTime({ user, accessToken: 'a', refreshToken: 'r', accessTokenExpiresAt: 2_000_000 })).toBe(1_970_000);
  });
});
