import type { AppConfig } from '@parley/config';
import { LocalChannelBus } from '@parley/redis';
import type { AccountStatus, UsersService } from '@parley/users';
import type { RefreshTokensRepository } from './refresh-tokens.repository';
import { isRevoked, Sessions, type SessionRevocation } from './sessions';

const caller = (sessionId: string, id = 'u1') => ({ id, username: 'ann', sessionId, expiresAt: Date.now() + 60_000 });

describe('isRevoked', () => {
  it('matches one session, or every session of the user but the excepted one', () => {
    expect(isRevoked({ userId: 'u1', sessionId: 's1', reason: 'logout' }, 'u1', 's1')).toBe(true);
    expect(isRevoked({ userId: 'u1', sessionId: 's1', reason: 'logout' }, 'u1', 's2')).toBe(false);
    expect(isRevoked({ userId: 'u1', sessionId: 's1', reason: 'logout' }, 'u2', 's1')).toBe(false);
    expect(isRevoked({ userId: 'u1', exceptSessionId: 's1', reason: 'password_changed' }, 'u1', 's1')).toBe(false);
    expect(isRevoked({ userId: 'u1', exceptSessionId: 's1', reason: 'password_changed' }, 'u1', 's2')).toBe(true);
    expect(isRevoked({ userId: 'u1', reason: 'account_suspended' }, 'u1', 's3')).toBe(true);
  });
});

describe('Sessions', () => {
  let status: AccountStatus;
  let liveFamilies: Set<string>;
  let lookups: number;
  let bus: LocalChannelBus;
  let sessions: Sessions;
  let heard: SessionRevocation[];

  beforeEach(async () => {
    status = 'active';
    liveFamilies = new Set(['s1', 's2']);
    lookups = 0;
    const users = { status: () => Promise.resolve(status) } as unknown as UsersService;
    const tokens = {
      isFamilyLive: (_userId: string, familyId: string) => {
        lookups += 1;
        return Promise.resolve(liveFamilies.has(familyId));
      },
      revokeFamily: (familyId: string) => Promise.resolve(void liveFamilies.delete(familyId)),
      revokeUserFamilies: (_userId: string, except: string | null) => Promise.resolve([...liveFamilies].forEach((id) => id !== except && liveFamilies.delete(id))),
    } as unknown as RefreshTokensRepository;
    bus = new LocalChannelBus();
    sessions = new Sessions(users, tokens, bus, { redisPrefix: 'p' } as AppConfig);
    await sessions.onModuleInit();
    heard = [];
    sessions.onRevoked((revocation) => heard.push(revocation));
  });

  it('accepts a live session of an active account, and reuses the check', async () => {
    await expect(sessions.isLive(caller('s1'))).resolves.toBe(true);
    await expect(sessions.isLive(caller('s1'))).resolves.toBe(true);
    expect(lookups).toBe(1);
  });

  it.each<AccountStatus>(['suspended', 'deleted', 'unknown'])('refuses a %s account', async (state) => {
    status = state;
    await expect(sessions.isLive(caller('s1'))).resolves.toBe(false);
  });

  it('refuses a revoked session at once, though its check was cached, and keeps the others', async () => {
    await sessions.isLive(caller('s1'));
    await sessions.isLive(caller('s2'));
    await sessions.endSession('u1', 's1', 'logout');
    // Applied here at once, then heard again from the bus (listeners are idempotent).
    expect(heard[0]).toEqual({ userId: 'u1', sessionId: 's1', reason: 'logout' });
    expect(new Set(heard.map((revocation) => JSON.stringify(revocation))).size).toBe(1);
    await expect(sessions.isLive(caller('s1'))).resolves.toBe(false);
    const before = lookups;
    await expect(sessions.isLive(caller('s2'))).resolves.toBe(true);
    expect(lookups).toBe(before);
  });

  it('ends every other session on a password change', async () => {
    await sessions.endAllSessions('u1', 'password_changed', 's2');
    expect(heard[0]).toEqual({ userId: 'u1', exceptSessionId: 's2', reason: 'password_changed' });
    await expect(sessions.isLive(caller('s1'))).resolves.toBe(false);
    await expect(sessions.isLive(caller('s2'))).resolves.toBe(true);
  });

  it('applies revocations announced by other instances (and drops malformed ones)', async () => {
    await sessions.isLive(caller('s1'));
    liveFamilies.delete('s1');
    await bus.publish(['p:sessions:revoked'], 'not json');
    await bus.publish(['p:sessions:revoked'], JSON.stringify({ userId: 'u1', reason: 'account_suspended' }));
    await Promise.resolve();
    expect(heard).toEqual([{ userId: 'u1', reason: 'account_suspended' }]);
    await expect(sessions.isLive(caller('s1'))).resolves.toBe(false);
  });
});
