import { JwtService } from '@nestjs/jwt';
import type { AppConfig } from '@parley/config';
import type { User } from '@parley/contract';
import { createSecretKey } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { JwtStrategy } from './jwt.strategy';
import { TokenService } from './token.service';

const SESSION = '0b9d3c1e-2f4a-4b5c-8d6e-7f8091a2b3c4';
const user: User = { id: '7f0c1a52-6a8e-4c0b-9a55-3a1f2b3c4d5e', username: 'ann', displayName: 'Ann', createdAt: '2024-01-01T00:00:00.000Z' };

function instance(secret: string, algorithm: AppConfig['jwtAlgorithm'] = 'HS256'): { tokens: TokenService; strategy: JwtStrategy } {
  const config = { jwtAlgorithm: algorithm, accessTokenTtlSeconds: 900, jwtKey: createSecretKey(Buffer.from(secret, 'utf8')) } as AppConfig;
  return { tokens: new TokenService(new JwtService({ secret }), config), strategy: new JwtStrategy(config) };
}

function request(url: string, authorization?: string): IncomingMessage {
  return { url, headers: authorization === undefined ? {} : { authorization } } as IncomingMessage;
}

describe('JwtStrategy (passport-jwt)', () => {
  const a = instance('first-secret-that-is-long-enough-0123456789');
  const b = instance('second-secret-that-is-long-enough-0123456789');

  it('takes a bearer token, else ?token=, and yields the caller', async () => {
    const token = await a.tokens.signAccessToken(user, SESSION);
    const caller = { id: user.id, username: 'ann', sessionId: SESSION, expiresAt: expect.any(Number) };
    await expect(a.strategy.verify(request('/api/rooms', `Bearer ${token}`))).resolves.toEqual(caller);
    await expect(a.strategy.verify(request(`/api/notifications/stream?token=${token}`))).resolves.toEqual(caller);
  });

  it('refuses a missing token, garbage and a token with other claims', async () => {
    await expect(a.strategy.verify(request('/api/rooms'))).resolves.toBeNull();
    await expect(a.strategy.verify(request('/api/rooms', 'Bearer not.a.jwt'))).resolves.toBeNull();
    const foreignClaims = await new JwtService({ secret: 'first-secret-that-is-long-enough-0123456789' }).signAsync({ sub: user.id, typ: 'refresh' });
    await expect(a.strategy.verify(request('/api/rooms', `Bearer ${foreignClaims}`))).resolves.toBeNull();
  });

  it('verifies with its own instance secret and algorithm, not another instance of the same process', async () => {
    const fromB = await b.tokens.signAccessToken(user, SESSION);
    await expect(a.strategy.verify(request('/api/rooms', `Bearer ${fromB}`))).resolves.toBeNull();
    await expect(b.strategy.verify(request('/api/rooms', `Bearer ${fromB}`))).resolves.toMatchObject({ id: user.id });
    const hs512 = instance('first-secret-that-is-long-enough-0123456789', 'HS512');
    const otherAlgorithm = await hs512.tokens.signAccessToken(user, SESSION);
    await expect(a.strategy.verify(request('/api/rooms', `Bearer ${otherAlgorithm}`))).resolves.toBeNull();
  });
});
