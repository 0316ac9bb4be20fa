import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { AuthUser } from '@parley/common';
import { AppConfig } from '@parley/config';
import type { SessionEndReason } from '@parley/contract';
import { ChannelBus } from '@parley/redis';
import { UsersService } from '@parley/users';
import { RefreshTokensRepository } from './refresh-tokens.repository';

/** Sessions that ended: one (`sessionId`), or all of a user's but `exceptSessionId`. */
export interface SessionRevocation {
  userId: string;
  sessionId?: string;
  exceptSessionId?: string;
  reason: SessionEndReason;
}

/** Whether a session (sockets, SSE streams, cache entries) falls under a revocation. */
export function isRevoked(revocation: SessionRevocation, userId: string, sessionId: string): boolean {
  if (revocation.userId !== userId) return false;
  if (revocation.sessionId !== undefined) return revocation.sessionId === sessionId;
  return revocation.exceptSessionId !== sessionId;
}

/** How long a positive check of a token's account and session is reused (revocations clear it at once). */
export const SESSION_CHECK_CACHE_MS = 5_000;
const SESSION_CHECK_CACHE_MAX = 50_000;

/**
 * Sessions end when they should: a token is accepted only while its account is active and its session (the
 * refresh-token family it was issued with) is not revoked. Revocations are written to the database, then
 * announced to every instance over the ChannelBus, where each ends the session's sockets and SSE streams
 * (listeners) and forgets its cached checks.
 */
@Injectable()
export class Sessions implements OnModuleInit {
  private readonly logger = new Logger(Sessions.name);
  /** userId → sessionId → checked live until (epoch ms). */
  private readonly checked = new Map<string, Map<string, number>>();
  private checkedCount = 0;
  private readonly listeners: Array<(revocation: SessionRevocation) => void> = [];
  private readonly channel: string;

  constructor(
    private readonly users: UsersService,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly bus: ChannelBus,
    config: AppConfig,
  ) {
    this.channel = `${config.redisPrefix}:sessions:revoked`;
  }

  async onModuleInit(): Promise<void> {
    await this.bus.subscribe(this.channel, (payload) => {
      try {
        this.apply(JSON.parse(payload) as SessionRevocation);
      } catch (error) {
        this.logger.warn(`Dropped a malformed session revocation: ${String(error)}`);
      }
    });
  }

  /** Called on every instance for every revocation (this instance's own first, then as announced). Returns the unsubscribe. */
  onRevoked(listener: (revocation: SessionRevocation) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners.splice(index, 1);
    };
  }

  /** True while the token's account is active and its session not revoked. Rejects when the database fails. */
  async isLive(auth: AuthUser): Promise<boolean> {
    const until = this.checked.get(auth.id)?.get(auth.sessionId);
    if (until !== undefined && until > Date.now()) return true;
    const [status, live] = await Promise.all([this.users.status(auth.id), this.refreshTokens.isFamilyLive(auth.id, auth.sessionId)]);
    if (status !== 'active' || !live) return false;
    this.remember(auth.id, auth.sessionId);
    return true;
  }

  /** Ends one session (logout, refresh-token reuse). */
  async endSession(userId: string, sessionId: string, reason: SessionEndReason): Promise<void> {
    await this.refreshTokens.revokeFamily(sessionId);
    await this.announce({ userId, sessionId, reason });
  }

  /** Ends every session of a user, but `exceptSessionId` (password change keeps the caller's). */
  async endAllSessions(userId: string, reason: SessionEndReason, exceptSessionId?: string): Promise<void> {
    await this.refreshTokens.revokeUserFamilies(userId, exceptSessionId ?? null);
    await this.announce({ userId, reason, ...(exceptSessionId ? { exceptSessionId } : {}) });
  }

  private async announce(revocation: SessionRevocation): Promise<void> {
    // Here at once; the other instances through the bus (where this one hears it again, harmlessly).
    this.apply(revocation);
    try {
      await this.bus.publish([this.channel], JSON.stringify(revocation));
    } catch (error) {
      // The revocation is stored: other instances refuse the session within SESSION_CHECK_CACHE_MS on REST and
      // at the next handshake; their open sockets end at the latest when the access token expires.
      this.logger.warn(`Session revocation not announced to other instances: ${String(error)}`);
    }
  }

  private apply(revocation: SessionRevocation): void {
    const sessions = this.checked.get(revocation.userId);
    if (sessions) {
      for (const sessionId of [...sessions.keys()]) {
        if (isRevoked(revocation, revocation.userId, sessionId)) {
          sessions.delete(sessionId);
          this.checkedCount -= 1;
        }
      }
      if (sessions.size === 0) this.checked.delete(revocation.userId);
    }
    for (const listener of this.listeners) {
      try {
        listener(revocation);
      } catch (error) {
        this.logger.warn(`A session revocation listener failed: ${String(error)}`);
      }
    }
  }

  private remember(userId: string, sessionId: string): void {
    if (this.checkedCount >= SESSION_CHECK_CACHE_MAX) {
      this.checked.clear();
      this.checkedCount = 0;
    }
    let sessions = this.checked.get(userId);
    if (!sessions) {
      sessions = new Map();
      this.checked.set(userId, sessions);
    }
    if (!sessions.has(sessionId)) this.checkedCount += 1;
    sessions.set(sessionId, Date.now() + SESSION_CHECK_CACHE_MS);
  }
}
