import type { RunningServer } from '../apps/server/src/server';
import type { AuthResult, ErrorBody, User } from '@parley/contract';
import { createHmac } from 'node:crypto';
import { Api, uniqueName } from './support/client';
import { startTestServer, TEST_JWT_SECRET } from './support/server';

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function signHs256(payload: object, secret: string): string {
  const head = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url(payload)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

describe('auth (contract §2)', () => {
  let server: RunningServer;
  let api: Api;

  beforeAll(async () => {
    server = await startTestServer({ ACCESS_TOKEN_TTL: '60' });
    api = new Api(server.url);
  });
  afterAll(() => server.close());

  it('registers, returns the contract shape and defaults displayName to the username', async () => {
    const username = uniqueName('reg');
    const result = await api.post<AuthResult>('/api/auth/register', { username, password: 'password123' });
    expect(result.status).toBe(201);
    expect(result.body.user).toEqual({ id: expect.any(String), username, displayName: username, createdAt: expect.any(String) });
    expect(result.body.expiresIn).toBe(60);
    expect(result.body.accessToken.split('.')).toHaveLength(3);
    expect(result.body.refreshToken.length).toBeGreaterThan(20);
    const me = await api.get<User>('/api/users/me', result.body.accessToken);
    expect(me.body).toEqual(result.body.user);
  });

  it('refuses a username taken case-insensitively with username_taken', async () => {
    const username = uniqueName('Case');
    await api.register(username);
    const again = await api.post<ErrorBody>('/api/auth/register', { username: username.toUpperCase(), password: 'password123' });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ statusCode: 409, code: 'username_taken', message: expect.any(String), requestId: again.headers.get('x-request-id') });
  });

  it.each([
    [{ username: 'ab', password: 'password123' }],
    [{ username: 'has space', password: 'password123' }],
    [{ username: 'x'.repeat(33), password: 'password123' }],
    [{ username: 'valid_name', password: 'short' }],
    [{ username: 'valid_name', password: 'p'.repeat(129) }],
    [{ username: 'valid_name', password: 'password123', displayName: '' }],
    [{ username: 'valid_name', password: 'password123', admin: true }],
  ])('rejects invalid registration %j with validation_failed', async (body) => {
    const result = await api.post<ErrorBody>('/api/auth/register', body);
    expect(result.status).toBe(400);
    expect(result.body.code).toBe('validation_failed');
  });

  it('answers unknown user and wrong password identically', async () => {
    const username = uniqueName('login');
    await api.register(username);
    const wrongPassword = await api.post<ErrorBody>('/api/auth/login', { username, password: 'wrong-password' });
    const unknownUser = await api.post<ErrorBody>('/api/auth/login', { username: uniqueName('ghost'), password: 'wrong-password' });
    expect(wrongPassword.status).toBe(401);
    expect(unknownUser.status).toBe(401);
    // Identical but for each request's own id.
    expect({ ...wrongPassword.body, requestId: undefined }).toEqual({ ...unknownUser.body, requestId: undefined });
    expect(wrongPassword.body.requestId).not.toBe(unknownUser.body.requestId);
    expect(wrongPassword.body.code).toBe('invalid_credentials');
    const ok = await api.post<AuthResult>('/api/auth/login', { username: username.toUpperCase(), password: 'password123' });
    expect(ok.status).toBe(200);
    expect(ok.body.user.username).toBe(username);
  });

  it('rotates refresh tokens and revokes the whole family when a used one is presented again', async () => {
    const first = await api.register(uniqueName('rot'));
    const second = await api.post<AuthResult>('/api/auth/refresh', { refreshToken: first.refreshToken });
    expect(second.status).toBe(200);
    expect(second.body.refreshToken).not.toBe(first.refreshToken);
    const third = await api.post<AuthResult>('/api/auth/refresh', { refreshToken: second.body.refreshToken });
    expect(third.status).toBe(200);

    // Reuse of an already-used token: refused, and the family's live token dies with it.
    const reuse = await api.post<ErrorBody>('/api/auth/refresh', { refreshToken: first.refreshToken });
    expect(reuse.status).toBe(401);
    expect(reuse.body.code).toBe('unauthorized');
    const afterRevocation = await api.post<ErrorBody>('/api/auth/refresh', { refreshToken: third.body.refreshToken });
    expect(afterRevocation.status).toBe(401);
  });

  it('keeps other sessions alive when one family is revoked', async () => {
    const username = uniqueName('fam');
    const sessionA = await api.register(username);
    const sessionB = (await api.post<AuthResult>('/api/auth/login', { username, password: 'password123' })).body;
    await api.post('/api/auth/refresh', { refreshToken: sessionA.refreshToken });
    await api.post('/api/auth/refresh', { refreshToken: sessionA.refreshToken }); // reuse → family A revoked
    const stillB = await api.post<AuthResult>('/api/auth/refresh', { refreshToken: sessionB.refreshToken });
    expect(stillB.status).toBe(200);
  });

  it('logout ends the session (204) and is idempotent', async () => {
    const session = await api.register(uniqueName('out'));
    expect((await api.post('/api/auth/logout', { refreshToken: session.refreshToken })).status).toBe(204);
    expect((await api.post('/api/auth/logout', { refreshToken: session.refreshToken })).status).toBe(204);
    expect((await api.post('/api/auth/refresh', { refreshToken: session.refreshToken })).status).toBe(401);
    expect((await api.post('/api/auth/logout', { refreshToken: 'never-issued' })).status).toBe(204);
  });

  describe('access tokens', () => {
    let user: AuthResult;
    beforeAll(async () => {
      user = await api.register(uniqueName('tok'));
    });

    const now = (): number => Math.floor(Date.now() / 1000);

    it('accepts a valid token', async () => {
      expect((await api.get('/api/users/me', user.accessToken)).status).toBe(200);
    });

    it.each([
      ['missing', () => undefined],
      ['malformed', () => 'not-a-jwt'],
      ['alg none', () => `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: user.user.id, username: user.user.username, typ: 'access', exp: now() + 60 })}.`],
      ['wrongly signed', () => signHs256({ sub: user.user.id, username: user.user.username, typ: 'access', exp: now() + 60 }, 'another-secret-of-sufficient-length-000000')],
      ['expired', () => signHs256({ sub: user.user.id, username: user.user.username, typ: 'access', exp: now() - 10 }, TEST_JWT_SECRET)],
      ['not an access token', () => signHs256({ sub: user.user.id, username: user.user.username, exp: now() + 60 }, TEST_JWT_SECRET)],
    ])('refuses a %s token with unauthorized', async (_label, token) => {
      const result = await api.get<ErrorBody>('/api/users/me', token());
      expect(result.status).toBe(401);
      expect(result.body).toEqual({ statusCode: 401, code: 'unauthorized', message: expect.any(String), requestId: result.headers.get('x-request-id') });
    });
  });

  it('searches users by prefix of username or display name', async () => {
    const stem = uniqueName('srch');
    const a = await api.register(`${stem}a`);
    await api.post('/api/auth/register', { username: `${stem}b`, password: 'password123', displayName: 'Zed Quux' });
    const byUsername = await api.get<User[]>(`/api/users?search=${stem}&limit=10`, a.accessToken);
    expect(byUsername.body.map((u) => u.username).sort()).toEqual([`${stem}a`, `${stem}b`]);
    const byDisplayName = await api.get<User[]>('/api/users?search=zed%20q', a.accessToken);
    expect(byDisplayName.body.map((u) => u.username)).toContain(`${stem}b`);
    const wildcard = await api.get<User[]>('/api/users?search=%25', a.accessToken);
    expect(wildcard.body).toEqual([]);
    const badLimit = await api.get<ErrorBody>('/api/users?limit=1000', a.accessToken);
    expect(badLimit.body.code).toBe('validation_failed');
  });
});
