import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ApiError, DomainEvents } from '@parley/common';
import { AppConfig } from '@parley/config';
import type { ChosenStatus, PresenceStatus, UserStatus } from '@parley/contract';
import type { PresenceTransitions } from '@parley/presence';
import { ChannelBus, KeyedQueue } from '@parley/redis';
import { RoomsService } from '@parley/rooms';
import { Blocks } from '@parley/users';
import { ACTIVE, CONNECTED, ConnectionStore } from './connection-store';
import { ContactsRepository, type StatusRecord } from './contacts.repository';

/** Socket.IO room of every socket watching a user's status (the user's own sockets included). */
export const statusChannel = (userId: string): string => `status:${userId}`;
const STATUS_PREFIX = 'status:';

/** The most contacts a user may have (they are all watched by each of the user's sockets). */
export const CONTACTS_MAX = 1000;
/** Direct-room partners each socket watches by itself, newest rooms first. */
export const DM_PARTNERS_WATCHED = 200;
/** Users one socket may watch at once, automatic watches included. */
export const WATCHES_PER_SOCKET = 2000;
/** Client events that do not show the user is there (sent by clients by themselves). */
const PASSIVE_EVENTS: ReadonlySet<string> = new Set(['auth:refresh', 'status:watch', 'status:unwatch']);

/** The parts of a Socket.IO socket the status service uses (the realtime gateway's sockets). */
export interface StatusSocket {
  readonly id: string;
  readonly rooms: Set<string>;
  join(rooms: string | string[]): Promise<void> | void;
  leave(room: string): Promise<void> | void;
}

/** The parts of the Socket.IO server the status service uses. */
export interface StatusServer {
  to(room: string): { emit(event: 'status', status: UserStatus): boolean };
  in(room: string | string[]): { socketsJoin(rooms: string | string[]): void; socketsLeave(rooms: string | string[]): void };
}

interface LocalSocket {
  socket: StatusSocket;
  userId: string;
  active: boolean;
  idle?: NodeJS.Timeout;
}

/** What a user shows, from their choice and their sockets anywhere. */
export function effectiveStatus(chosen: ChosenStatus, connected: boolean, active: boolean): PresenceStatus {
  if (!connected) return 'offline';
  if (chosen !== 'online') return chosen;
  return active ? 'online' : 'away';
}

/** How a user who blocked the viewer reads to them: like someone never seen (the block stays invisible). */
const hidden = (userId: string): UserStatus => ({ userId, status: 'offline', statusText: null, lastSeenAt: null });

/**
 * User status and last seen, cluster-wide (contract §10). Connected and active sockets are counted in the
 * ConnectionStore (Redis in a cluster, with the presence store's heartbeat and reaping); the chosen status,
 * text and last seen time are in PostgreSQL. A change is broadcast once, to the Socket.IO room
 * `status:<userId>`, through the sharded adapter: only instances holding a watcher's socket subscribe to it.
 * Sockets watch their own user, their contacts and direct-room partners by themselves, and more users they
 * can see with `status:watch`.
 */
@Injectable()
export class UserStatuses implements OnApplicationBootstrap {
  private readonly logger = new Logger(UserStatuses.name);
  private server?: StatusServer;
  private userChannel: (userId: string) => string = (userId) => `user:${userId}`;
  private readonly sockets = new Map<string, LocalSocket>();
  /** Per socket: connect, activity, idleness and disconnect reach the store in order. */
  private readonly socketOps = new KeyedQueue((socketId, error) => this.logger.warn(`Status update for socket ${socketId} failed: ${String(error)}`));
  /** Per user: announcements leave in the order their states were read. */
  private readonly announcements = new KeyedQueue((userId, error) => this.logger.warn(`Status of ${userId} not announced: ${String(error)}`));

  constructor(
    private readonly store: ConnectionStore,
    private readonly repository: ContactsRepository,
    private readonly rooms: RoomsService,
    private readonly blocks: Blocks,
    private readonly config: AppConfig,
    events: DomainEvents,
    bus: ChannelBus,
  ) {
    // Removals that failed while Redis was away would leave users online for good: put the store right.
    bus.onRecovered(() => void this.store.resync().catch((error: unknown) => this.logger.warn(`Status resync failed: ${String(error)}`)));
    // The blocked user's sockets stop watching the blocker at once, on every instance.
    events.on('user.blocked', ({ blockerId, blockedId }) => this.server?.in(this.userChannel(blockedId)).socketsLeave(statusChannel(blockerId)));
    events.on('user.unblocked', async ({ blockerId, blockedId }) => {
      if ((await this.visibleAmong(blockedId, [blockerId])).has(blockerId)) this.watchEverywhere(blockedId, blockerId);
    });
    // A room no longer shared no longer lets its former members watch each other (contacts and other shared
    // rooms still do): after a leave or kick between the leaver and those left, after a deletion between all.
    events.on('member.left', async ({ roomId, user }) => this.endWatchesAfterLeaving(user.id, await this.rooms.listMemberIds(roomId)));
    events.on('room.deleted', async ({ memberIds }) => {
      for (const viewerId of memberIds) await this.unwatchInvisible(viewerId, memberIds);
    });
    // New direct-room partners watch each other (unless one blocked the other: then the DM was refused).
    events.on('dm.created', ({ createdBy, otherUserId }) => {
      this.watchEverywhere(createdBy, otherUserId);
      this.watchEverywhere(otherUserId, createdBy);
    });
  }

  onApplicationBootstrap(): void {
    this.store.start({
      localEntries: () =>
        [...this.sockets.values()].flatMap(({ socket, userId, active }) => [
          { roomId: CONNECTED, userId, socketId: socket.id },
          ...(active ? [{ roomId: ACTIVE, userId, socketId: socket.id }] : []),
        ]),
      onTransitions: (transitions) => void this.applyTransitions(transitions),
    });
  }

  /** `userChannel`: the Socket.IO room of every socket of a user (the realtime gateway's). */
  attach(server: StatusServer, userChannel: (userId: string) => string): void {
    this.server = server;
    this.userChannel = userChannel;
  }

  /** A socket connected: it counts as connected and active, and watches its user, contacts and DM partners. */
  connected(socket: StatusSocket, userId: string): Promise<void> {
    const local: LocalSocket = { socket, userId, active: true };
    this.sockets.set(socket.id, local);
    local.idle = setTimeout(() => this.idle(local), this.config.awayAfterMs);
    local.idle.unref();
    return this.socketOps.run(socket.id, async () => {
      const watches = await this.automaticWatches(userId);
      // Gone meanwhile: a socket joining rooms after its disconnect would stay in them for good.
      if (!this.sockets.has(socket.id)) return;
      await socket.join(watches);
      const cameOnline = await this.store.add(CONNECTED, userId, socket.id);
      if (cameOnline) await this.repository.touchLastSeen([userId]);
      const cameActive = await this.store.add(ACTIVE, userId, socket.id);
      if (cameOnline) await this.announce(userId);
      else if (cameActive) await this.announce(userId, 'activity');
    });
  }

  /** The socket is gone: when it was the user's last anywhere, they go offline (last seen now). */
  disconnected(socket: StatusSocket): Promise<void> {
    const local = this.sockets.get(socket.id);
    if (!local) return Promise.resolve();
    this.sockets.delete(socket.id);
    clearTimeout(local.idle);
    return this.socketOps.run(socket.id, async () => {
      const wentIdle = await this.store.remove(ACTIVE, local.userId, socket.id);
      const wentOffline = await this.store.remove(CONNECTED, local.userId, socket.id);
      if (wentOffline) await this.repository.touchLastSeen([local.userId]);
      if (wentOffline) await this.announce(local.userId);
      else if (wentIdle) await this.announce(local.userId, 'activity');
    });
  }

  /** A client event arrived: the socket is active again (back from away), its idle timer starts over. */
  activity(socket: StatusSocket, event: unknown): void {
    if (typeof event === 'string' && PASSIVE_EVENTS.has(event)) return;
    const local = this.sockets.get(socket.id);
    if (!local) return;
    local.idle?.refresh();
    if (local.active) return;
    local.active = true;
    void this.socketOps.run(socket.id, async () => {
      if (await this.store.add(ACTIVE, local.userId, socket.id)) await this.announce(local.userId, 'activity');
    });
  }

  /** Resolves once everything started for this socket (its automatic watches included) is in place. */
  settled(socket: StatusSocket): Promise<void> {
    return this.socketOps.run(socket.id, () => Promise.resolve());
  }

  /** Sets one's own status and/or text; announced to the watchers. */
  async set(userId: string, choice: { status?: ChosenStatus; statusText?: string | null }): Promise<UserStatus> {
    const text = choice.statusText === undefined ? undefined : choice.statusText === null || choice.statusText === '' ? null : choice.statusText;
    await this.repository.saveChoice(userId, choice.status, text);
    // Broadcast before answering: whatever the caller does next reaches the watchers after it.
    await this.announce(userId);
    return this.statusOf(userId);
  }

  async statusOf(userId: string): Promise<UserStatus> {
    return (await this.current([userId])).get(userId) ?? hidden(userId);
  }

  /** Statuses of `userIds` as `viewerId` sees them: those who blocked the viewer read as never seen. */
  async statusesFor(viewerId: string, userIds: string[]): Promise<Map<string, UserStatus>> {
    const [statuses, blockers] = await Promise.all([this.current(userIds), this.blocks.blockersAmong(viewerId, userIds)]);
    for (const id of blockers) statuses.set(id, hidden(id));
    return statuses;
  }

  /** Of `userIds`, those whose status `viewerId` may see: themselves, contacts, users sharing a room; never someone who blocked them. */
  async visibleAmong(viewerId: string, userIds: readonly string[]): Promise<Set<string>> {
    const others = [...new Set(userIds)].filter((id) => id !== viewerId);
    const [contacts, sharing, blockers] = await Promise.all([
      this.repository.contactsAmong(viewerId, others),
      this.rooms.usersSharingARoom(viewerId, others),
      this.blocks.blockersAmong(viewerId, others),
    ]);
    const visible = new Set([...contacts, ...sharing].filter((id) => !blockers.has(id)));
    if (userIds.includes(viewerId)) visible.add(viewerId);
    return visible;
  }

  /** `status:watch`: the socket follows the visible ones and gets their current statuses; the rest are left out, silently. */
  async watch(socket: StatusSocket, viewerId: string, userIds: string[]): Promise<UserStatus[]> {
    await this.settled(socket);
    const visible = [...(await this.visibleAmong(viewerId, userIds))];
    const watching = [...socket.rooms].filter((room) => room.startsWith(STATUS_PREFIX)).length;
    const fresh = visible.filter((id) => !socket.rooms.has(statusChannel(id)));
    if (!this.sockets.has(socket.id)) return [];
    if (watching + fresh.length > WATCHES_PER_SOCKET) {
      throw ApiError.validation(`A socket watches at most ${WATCHES_PER_SOCKET} users; unwatch some first`);
    }
    await socket.join(fresh.map(statusChannel));
    const statuses = await this.current(visible);
    return visible.map((id) => statuses.get(id) ?? hidden(id));
  }

  /** `status:unwatch`: the socket stops following these users (never its own). */
  async unwatch(socket: StatusSocket, viewerId: string, userIds: string[]): Promise<void> {
    await this.settled(socket);
    for (const id of new Set(userIds)) if (id !== viewerId) await socket.leave(statusChannel(id));
  }

  /** `viewerId`'s sockets, on every instance, watch `userId` from now on. */
  watchEverywhere(viewerId: string, userId: string): void {
    this.server?.in(this.userChannel(viewerId)).socketsJoin(statusChannel(userId));
  }

  /** `viewerId`'s sockets, on every instance, stop watching `userId`. */
  unwatchEverywhere(viewerId: string, userId: string): void {
    this.server?.in(this.userChannel(viewerId)).socketsLeave(statusChannel(userId));
  }

  /** Both ways between a user who left a room and its remaining members: the watches nothing allows any more end. */
  private async endWatchesAfterLeaving(leaverId: string, remainingIds: readonly string[]): Promise<void> {
    const others = remainingIds.filter((id) => id !== leaverId);
    if (others.length === 0) return;
    const [sharing, keepingAsContact] = await Promise.all([this.rooms.usersSharingARoom(leaverId, others), this.repository.ownersAmong(leaverId, others)]);
    const cannotSeeLeaver = others.filter((id) => !sharing.has(id) && !keepingAsContact.has(id));
    if (cannotSeeLeaver.length > 0) this.server?.in(cannotSeeLeaver.map(this.userChannel)).socketsLeave(statusChannel(leaverId));
    await this.unwatchInvisible(leaverId, others);
  }

  /** `viewerId`'s sockets, on every instance, stop watching those of `userIds` it may not see. */
  private async unwatchInvisible(viewerId: string, userIds: readonly string[]): Promise<void> {
    const others = userIds.filter((id) => id !== viewerId);
    if (others.length === 0) return;
    const visible = await this.visibleAmong(viewerId, others);
    const invisible = others.filter((id) => !visible.has(id));
    if (invisible.length > 0) this.server?.in(this.userChannel(viewerId)).socketsLeave(invisible.map(statusChannel));
  }

  /** Users this instance's sockets count as connected (for tests and stats). */
  localUserCount(): number {
    return new Set([...this.sockets.values()].map((local) => local.userId)).size;
  }

  /** Withdraws this instance's sockets from the store (graceful shutdown: they were disconnected already). */
  stop(): Promise<void> {
    return this.store.stop();
  }

  private idle(local: LocalSocket): void {
    if (!this.sockets.has(local.socket.id) || !local.active) return;
    local.active = false;
    void this.socketOps.run(local.socket.id, async () => {
      if (await this.store.remove(ACTIVE, local.userId, local.socket.id)) await this.announce(local.userId, 'activity');
    });
  }

  private async automaticWatches(userId: string): Promise<string[]> {
    const [contacts, partners] = await Promise.all([this.repository.contactIds(userId, CONTACTS_MAX), this.rooms.directPartnerIds(userId, DM_PARTNERS_WATCHED)]);
    const candidates = [...new Set([...contacts, ...partners])];
    const blockers = await this.blocks.blockersAmong(userId, candidates);
    return [statusChannel(userId), ...candidates.filter((id) => !blockers.has(id)).map(statusChannel)];
  }

  /** Reaped dead instances' sockets and states restored after an outage: last seen, then the news. */
  private async applyTransitions(transitions: PresenceTransitions): Promise<void> {
    const offline = [...new Set(transitions.offline.filter((entry) => entry.roomId === CONNECTED).map((entry) => entry.userId))];
    if (offline.length > 0) await this.repository.touchLastSeen(offline).catch((error: unknown) => this.logger.warn(`Last seen not stored: ${String(error)}`));
    const changed = new Set([...transitions.offline, ...transitions.online].map((entry) => entry.userId));
    for (const userId of changed) void this.announce(userId);
  }

  /**
   * Reads the user's status now and broadcasts it to the watchers, in order per user on this instance.
   * A change of activity alone is not announced when it does not show (a busy user going idle).
   */
  private announce(userId: string, cause: 'activity' | 'other' = 'other'): Promise<void> {
    return this.announcements.run(userId, async () => {
      const [record] = await this.repository.findStatuses([userId]);
      if (!record || (cause === 'activity' && record.chosen !== 'online')) return;
      const [connected, active] = await Promise.all([this.online(CONNECTED, [userId]), this.online(ACTIVE, [userId])]);
      this.server?.to(statusChannel(userId)).emit('status', this.toStatus(record, connected.has(userId), active.has(userId)));
    });
  }

  private async current(userIds: string[]): Promise<Map<string, UserStatus>> {
    const ids = [...new Set(userIds)];
    const [records, connected, active] = await Promise.all([this.repository.findStatuses(ids), this.online(CONNECTED, ids), this.online(ACTIVE, ids)]);
    return new Map(records.map((record: StatusRecord) => [record.userId, this.toStatus(record, connected.has(record.userId), active.has(record.userId))]));
  }

  private toStatus(record: StatusRecord, connected: boolean, active: boolean): UserStatus {
    return {
      userId: record.userId,
      status: effectiveStatus(record.chosen, connected, active),
      statusText: record.statusText,
      lastSeenAt: record.lastSeenAt?.toISOString() ?? null,
    };
  }

  /** With Redis away nobody can be known to be connected: they read as offline rather than failing the request. */
  private async online(pseudoRoom: string, ids: string[]): Promise<Set<string>> {
    return this.store.onlineIn(pseudoRoom, ids).catch((error: unknown) => {
      this.logger.warn(`Connection states unavailable: ${String(error)}`);
      return new Set<string>();
    });
  }
}
