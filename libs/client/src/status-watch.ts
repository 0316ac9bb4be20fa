import type { UserStatus } from '@parley/contract';
import { Emitter } from './emitter';

/** The socket calls StatusWatch needs (ParleyClient's, over `status:watch` / `status:unwatch`). */
export interface StatusTransport {
  isConnected(): boolean;
  watch(userIds: string[]): Promise<UserStatus[]>;
  unwatch(userIds: string[]): Promise<void>;
}

/** Users per `status:watch` / `status:unwatch` call (the server's limit). */
export const STATUS_BATCH = 100;

const batches = (ids: string[]): string[][] => Array.from({ length: Math.ceil(ids.length / STATUS_BATCH) }, (_, i) => ids.slice(i * STATUS_BATCH, (i + 1) * STATUS_BATCH));

/**
 * The statuses a client knows (contract §10): the newest `UserStatus` of every user it heard about (its own,
 * contacts and DM partners arrive by themselves; others are asked for with `watch`), and the users it asked
 * to watch, watched again after every reconnect (the server forgets a socket's watches with the socket).
 */
export class StatusWatch extends Emitter<{ change: UserStatus }> {
  private readonly watched = new Set<string>();
  private readonly known = new Map<string, UserStatus>();

  constructor(private readonly transport: StatusTransport) {
    super();
  }

  /** The newest status heard of a user, if any. */
  get(userId: string): UserStatus | undefined {
    return this.known.get(userId);
  }

  /**
   * Watches users (kept across reconnects) and resolves with the statuses of those the server lets the caller
   * see; the others are left out. While disconnected, they are watched at the next connection.
   */
  async watch(userIds: string[]): Promise<UserStatus[]> {
    const fresh = [...new Set(userIds)];
    for (const id of fresh) this.watched.add(id);
    if (!this.transport.isConnected()) return fresh.map((id) => this.known.get(id)).filter((status): status is UserStatus => status !== undefined);
    return this.ask(fresh);
  }

  async unwatch(userIds: string[]): Promise<void> {
    const ids = [...new Set(userIds)].filter((id) => this.watched.delete(id));
    if (ids.length === 0 || !this.transport.isConnected()) return;
    for (const batch of batches(ids)) await this.transport.unwatch(batch);
  }

  /** A `status` event, or one's own status after `status:set`. */
  handle(status: UserStatus): void {
    this.known.set(status.userId, status);
    this.emit('change', status);
  }

  /** After (re)connecting: the server forgot this socket's watches. */
  async resync(): Promise<void> {
    if (this.watched.size > 0) await this.ask([...this.watched]);
  }

  /** Signed out: nothing known or watched any more. */
  clear(): void {
    this.watched.clear();
    this.known.clear();
  }

  private async ask(ids: string[]): Promise<UserStatus[]> {
    const statuses: UserStatus[] = [];
    for (const batch of batches(ids)) statuses.push(...(await this.transport.watch(batch)));
    for (const status of statuses) this.handle(status);
    return statuses;
  }
}
