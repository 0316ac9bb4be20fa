import { Injectable } from '@nestjs/common';

/** One socket's subscription to one room. */
export interface PresenceEntry {
  roomId: string;
  userId: string;
  socketId: string;
}

/** Users who came online in / went offline from rooms, for `presence` events. */
export interface PresenceTransitions {
  online: Array<{ roomId: string; userId: string }>;
  offline: Array<{ roomId: string; userId: string }>;
}

export interface PresenceHooks {
  /** This instance's live subscriptions (used to repair the shared state after an outage). */
  localEntries: () => PresenceEntry[];
  /** Transitions found outside add/remove: a dead instance reaped, this instance's state restored. */
  onTransitions: (transitions: PresenceTransitions) => void;
}

/**
 * Who is subscribed to which room, counted per socket so a user with three tabs goes offline only when the
 * last one leaves. `add`/`remove` report the transitions that produce `presence` events.
 * In a cluster the Redis implementation answers for every instance; here one process is the whole cluster.
 */
export abstract class PresenceStore {
  /** Returns true when this is the user's first socket in the room (the user came online there). */
  abstract add(roomId: string, userId: string, socketId: string): Promise<boolean>;
  /** Returns true when this was the user's last socket in the room (the user went offline there). */
  abstract remove(roomId: string, userId: string, socketId: string): Promise<boolean>;
  /** Of the given users, those with at least one socket subscribed to the room. */
  abstract onlineIn(roomId: string, userIds: string[]): Promise<Set<string>>;
  /** Starts background upkeep (heartbeats, reaping dead instances). */
  start(_hooks: PresenceHooks): void {
    // nothing to keep up on a single instance
  }
  /** Makes the shared state match this instance's sockets again (after an outage); reports transitions. */
  async resync(): Promise<void> {
    // a single instance's state cannot diverge from itself
  }
  /** Stops upkeep and withdraws this instance (its sockets were removed already). */
  async stop(): Promise<void> {
    // nothing to withdraw on a single instance
  }
}

@Injectable()
export class InMemoryPresenceStore extends PresenceStore {
  private readonly rooms = new Map<string, Map<string, Set<string>>>();

  add(roomId: string, userId: string, socketId: string): Promise<boolean> {
    let users = this.rooms.get(roomId);
    if (!users) this.rooms.set(roomId, (users = new Map<string, Set<string>>()));
    let sockets = users.get(userId);
    if (!sockets) users.set(userId, (sockets = new Set<string>()));
    const first = sockets.size === 0;
    sockets.add(socketId);
    return Promise.resolve(first);
  }

  remove(roomId: string, userId: string, socketId: string): Promise<boolean> {
    const users = this.rooms.get(roomId);
    const sockets = users?.get(userId);
    if (!users || !sockets?.delete(socketId)) return Promise.resolve(false);
    if (sockets.size > 0) return Promise.resolve(false);
    users.delete(userId);
    if (users.size === 0) this.rooms.delete(roomId);
    return Promise.resolve(true);
  }

  onlineIn(roomId: string, userIds: string[]): Promise<Set<string>> {
    const users = this.rooms.get(roomId);
    return Promise.resolve(new Set(userIds.filter((id) => (users?.get(id)?.size ?? 0) > 0)));
  }
}
