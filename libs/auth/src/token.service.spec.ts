import { JwtService } from '@nestjs/jwt';
import { ApiError } from '@parley/common';
import type { AppConfig } from '@parley/config';
import type { User } from '@parley/contract';
import { TokenService } from './token.service';
import { rejection } from '../../../test/support/unit';

const SECRET = 'unit-test-secret-that-is-long-enough-0123456789';
const SESSION = '0b9d3c1e-2f4a-4b5c-8d6e-7f8091a2b3c4';
const user: User = { id: '7f0c1a52-6a8e-4c0b-9a55-3a1f2b3c4d5e', username: 'ann', displayName: 'Ann', createdAt: '2024-01-01T00:00:00.000Z' };

function makeService(options: { secret?: string; algorithm?: AppConfig['jwtAlgorithm']; ttl?: number } = {}): TokenService {
  const config = { jwtAlgorithm: options.algorithm ?? 'HS256', accessTokenTtlSeconds: options.ttl ?? 900 } as AppConfig;
  return new TokenService(new JwtService({ secret: options.secret ?? SECRET }), config);
}

const base64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

function decodePart(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('TokenService', () => {
  const service = makeService();

  it('signs a token that verifies back to the user', async () => {
    const token = await service.signAccessToken(user, SESSION);
    await expect(service.verifyAccessToken(token)).resolves.toEqual({ id: user.id, username: 'ann', sessionId: SESSION, expiresAt: expect.any(Number) });
  });

  it('signs access claims with the configured algorithm and lifetime', async () => {
    const token = await makeService({ algorithm: 'HS384', ttl: 120 }).signAccessToken(user, SESSION);
    expect(decodePart(token, 0)).toMatchObject({ alg: 'HS384' });
    const claims = decodePart(token, 1);
    expect(claims).toMatchObject({ sub: user.id, username: 'ann', typ: 'access', sid: SESSION });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(120);
  });

  it('accepts only the configured algorithm', async () => {
    const hs512 = makeService({ algorithm: 'HS512' });
    const token512 = await hs512.signAccessToken(user, SESSION);
    await expect(hs512.verifyAccessToken(token512)).resolves.toEqual({ id: user.id, username: 'ann', sessionId: SESSION, expiresAt: expect.any(Number) });
    const error = await rejection(hs512.verifyAccessToken(await service.signAccessToken(user, SESSION)));
    expect(error.code).toBe('unauthorized');
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 123],
    ['an object', { token: 'x' }],
    ['an empty string', ''],
    ['a string over 4096 characters', 'a'.repeat(4097)],
  ])('refuses %s before verifying', async (_label, token) => {
    const error = await rejection(service.verifyAccessToken(token));
    expect(error.code).toBe('unauthorized');
    expect(error.status).toBe(401);
    expect(error.message).toBe('Authentication required');
  });

  it('verifies (and refuses) a 4096-character string rather than refusing it by length', async () => {
    const error = await rejection(service.verifyAccessToken('a'.repeat(4096)));
    expect(error.message).toBe('Invalid or expired access token');
  });

  it.each(['garbage', 'a.b.c', 'eyJhbGciOiJIUzI1NiJ9.e30.'])('refuses a malformed token %p', async (token) => {
    const error = await rejection(service.verifyAccessToken(token));
    expect(error.code).toBe('unauthorized');
    expect(error.message).toBe('Invalid or expired access token');
  });

  it('refuses a token signed with another secret', async () => {
    const token = await makeService({ secret: 'another-secret-also-long-enough-9876543210' }).signAccessToken(user, SESSION);
    const error = await rejection(service.verifyAccessToken(token));
    expect(error.code).toBe('unauthorized');
    expect(error.message).toBe('Invalid or expired access token');
  });

  it('refuses a token whose claims were tampered with', async () => {
    const token = await service.signAccessToken(user, SESSION);
    const [header, , signature] = token.split('.');
    const forged = `${header}.${base64url({ ...decodePart(token, 1), username: 'admin' })}.${signature}`;
    expect((await rejection(service.verifyAccessToken(forged))).code).toBe('unauthorized');
  });

  it('refuses an unsigned alg:none token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: user.id, username: 'ann', typ: 'access', sid: SESSION, iat: now, exp: now + 600 })}.`;
    const error = await rejection(service.verifyAccessToken(token));
    expect(error.code).toBe('unauthorized');
  });

  it('refuses an expired token', async () => {
    const jwt = new JwtService({ secret: SECRET });
    const past = Math.floor(Date.now() / 1000) - 3600;
    const token = await jwt.signAsync({ sub: user.id, username: 'ann', typ: 'access', sid: SESSION, iat: past, exp: past + 60 });
    const error = await rejection(service.verifyAccessToken(token));
    expect(error.message).toBe('Invalid or expired access token');
  });

  it('refuses a token that expires while it is held', async () => {
    const shortLived = makeService({ ttl: 10 });
    const token = await shortLived.signAccessToken(user, SESSION);
    jest.useFakeTimers({ now: Date.now() + 11_000 });
    try {
      expect((await rejection(shortLived.verifyAccessToken(token))).code).toBe('unauthorized');
    } finally {
      jest.useRealTimers();
    }
  });

  it.each([
    ['without typ', { sub: user.id, username: 'ann' }],
    ['of another type', { sub: user.id, username: 'ann', typ: 'refresh' }],
    ['without sub', { username: 'ann', typ: 'access' }],
    ['with a non-string username', { sub: user.id, username: 42, typ: 'access', sid: SESSION }],
    ['without sid (issued before sessions were tracked)', { sub: user.id, username: 'ann', typ: 'access' }],
    ['whose sub is not a UUID', { sub: 'not-a-uuid', username: 'ann', typ: 'access', sid: SESSION }],
    ['whose sid is not a UUID', { sub: user.id, username: 'ann', typ: 'access', sid: 'x' }],
  ])('refuses a correctly signed token %s', async (_label, claims) => {
    const token = await new JwtService({ secret: SECRET }).signAsync(claims, { expiresIn: 600 });
    const error = await rejection(service.verifyAccessToken(token));
    expect(error.code).toBe('unauthorized');
    expect(error.message).toBe('Invalid or expired access token');
  });

  describe('toAuthUser', () => {
    it('returns id, username, session and expiry of access claims, and nothing else', () => {
      const claims = { sub: user.id, username: 'ann', typ: 'access' as const, sid: SESSION, iat: 1, exp: 2, admin: true } as Parameters<
        typeof TokenService.toAuthUser
      >[0];
      expect(TokenService.toAuthUser(claims)).toEqual({ id: user.id, username: 'ann', sessionId: SESSION, expiresAt: 2000 });
    });

    it.each([
      ['no claims', {}],
      ['typ refresh', { sub: 'u1', username: 'ann', typ: 'refresh' }],
      ['missing typ', { sub: 'u1', username: 'ann' }],
      ['missing sub', { username: 'ann', typ: 'access' }],
      ['numeric sub', { sub: 1, username: 'ann', typ: 'access', sid: SESSION, exp: 2 }],
      ['missing username', { sub: user.id, typ: 'access', sid: SESSION, exp: 2 }],
      ['a sub that is not a UUID', { sub: 'u1', username: 'ann', typ: 'access', sid: SESSION, exp: 2 }],
      ['a missing sid', { sub: user.id, username: 'ann', typ: 'access', exp: 2 }],
      ['a missing exp', { sub: user.id, username: 'ann', typ: 'access', sid: SESSION }],
    ])('throws unauthorized for %s', (_label, claims) => {
      let thrown: unknown;
      try {
        TokenService.toAuthUser(claims as Parameters<typeof TokenService.toAuthUser>[0]);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ApiError);
      expect((thrown as ApiError).code).toBe('unauthorized');
      expect((thrown as ApiError).message).toBe('Invalid access token');
    });
  });
});
