import type { AuthResult, User } from '@parley/contract';

export interface Session {
  user: User;
  accessToken: string;
  refreshToken: string;
  /** Epoch ms when the access token expires. */
  accessTokenExpiresAt: number;
}

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
  return {
    user: result.user,
    accessToken: result.accessToken,
    refreshToken: result.refreshToken,
    accessTokenExpiresAt: now + result.expiresIn * 1000,
  };
}
