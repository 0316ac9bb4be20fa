import type { AuthResult, User } from '@parley/contract';

export interface Session {
  user: User;
  accessToken: string;
  refreshToken: string;
  /** Epoch ms when the access token expires. */
  accessTokenExpiresAt: number;
  /** Epoch ms from which the SDK refreshes it (sessions saved by older versions lack it: 30 s before expiry). */
  refreshAt?: number;
}

/** At most this long before expiry the SDK refreshes, or a quarter of the token's lifetime when that is shorter. */
export const REFRESH_MARGIN_MS = 30_000;

/** Where the SDK keeps the session (memory by default; the web client uses localStorage). */
export interface SessionStore {
  load(): Session | null;
  save(session: Session | null): void;
}

export class MemorySessionStore implements SessionStore {
  private session: Session | null = null;
  load(): Session | null {
    return this.session;
  }
  save(session: Session | null): void {
    this.session = session;
  }
}

/** Keeps the session in a Web Storage (`localStorage`, `sessionStorage`) under one key. */
export class WebStorageSessionStore implements SessionStore {
  constructor(
    private readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>,
    private readonly key = 'parley.session',
  ) {}
  load(): Session | null {
    try {
      const raw = this.storage.getItem(this.key);
      return raw ? (JSON.parse(raw) as Session) : null;
    } catch {
      return null;
    }
  }
  save(session: Session | null): void {
    if (session) this.storage.setItem(this.key, JSON.stringify(session));
    else this.storage.removeItem(this.key);
  }
}

export function sessionFrom(result: AuthResult, now = Date.now()): Session {
  const lifetimeMs = result.expiresIn * 1000;
  return {
    user: result.user,
    accessToken: result.accessToken,
    refreshToken: result.refreshToken,
    accessTokenExpiresAt: now + lifetimeMs,
    refreshAt: now + lifetimeMs - Math.min(REFRESH_MARGIN_MS, lifetimeMs / 4),
  };
}

/** When the SDK refreshes the session's access token (ahead of expiry, see REFRESH_MARGIN_MS). */
export function refreshTime(session: Session): number {
  return session.refreshAt ?? session.accessTokenExpiresAt - REFRESH_MARGIN_MS;
}
