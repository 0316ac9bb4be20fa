import { Injectable } from '@nestjs/common';
import { isRevoked, Sessions, TokenService, type SessionRevocation } from '@parley/auth';
import { ApiError } from '@parley/common';
import type { AuthRefreshResult, ServerToClientEvents } from '@parley/contract';
import { SocketRegistry } from './socket-registry';
import type { ParleySocket } from './socket-types';

/**
 * A socket is only as good as its token: it ends when its access token expires (`auth:expired`), unless the
 * client sent a newer token of the same session first (`auth:refresh`), and when its session is revoked on any
 * instance (`auth:revoked`: logout, refresh-token reuse, password change, suspension, deletion).
 */
@Injectable()
export class SocketSessions {
  constructor(
    private readonly tokens: TokenService,
    private readonly sessions: Sessions,
    private readonly registry: SocketRegistry,
  ) {
    sessions.onRevoked((revocation) => this.revoked(revocation));
  }

  /** On connection: the socket ends when the handshake token expires. */
  start(socket: ParleySocket): void {
    this.armExpiry(socket);
  }

  stop(socket: ParleySocket): void {
    clearTimeout(socket.data.expiryTimer);
  }

  /** `auth:refresh`: only a live token of the same user and session, not older than the current one, moves the expiry. */
  async refresh(socket: ParleySocket, accessToken: string): Promise<AuthRefreshResult> {
    const next = await this.tokens.verifyAccessToken(accessToken);
    const current = socket.data.auth;
    if (next.id !== current.id || next.sessionId !== current.sessionId) {
      throw ApiError.forbidden('auth:refresh takes a token of the same user and session');
    }
    if (next.expiresAt < current.expiresAt) throw ApiError.validation('auth:refresh takes a token that expires no earlier than the current one');
    if (!(await this.sessions.isLive(next))) throw ApiError.unauthorized('Session ended or account unavailable');
    socket.data.auth = next;
    this.armExpiry(socket);
    return { expiresAt: new Date(next.expiresAt).toISOString() };
  }

  private armExpiry(socket: ParleySocket): void {
    clearTimeout(socket.data.expiryTimer);
    const { expiresAt } = socket.data.auth;
    // ACCESS_TOKEN_TTL is at most a day: well within a timer's range.
    socket.data.expiryTimer = setTimeout(
      () => this.end(socket, 'auth:expired', { reason: 'token_expired', expiredAt: new Date(expiresAt).toISOString() }),
      Math.max(0, expiresAt - Date.now()),
    );
  }

  private revoked(revocation: SessionRevocation): void {
    for (const socket of this.registry.localSocketsOf(revocation.userId)) {
      if (isRevoked(revocation, socket.data.auth.id, socket.data.auth.sessionId)) this.end(socket, 'auth:revoked', { reason: revocation.reason });
    }
  }

  /** The reason first, then the disconnect (the transport sends what is buffered before it closes). */
  private end<E extends 'auth:expired' | 'auth:revoked'>(socket: ParleySocket, event: E, ...payload: Parameters<ServerToClientEvents[E]>): void {
    this.stop(socket);
    socket.emit(event, ...payload);
    socket.disconnect(true);
  }
}
