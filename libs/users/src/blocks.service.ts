import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ApiError, DomainEvents } from '@parley/common';
import { AppConfig } from '@parley/config';
import type { BlockedUser } from '@parley/contract';
import { ChannelBus } from '@parley/redis';
import { BlocksRepository } from './blocks.repository';
import { userFromJson } from './user-view';
import { UsersService } from './users.service';

/** How long a user's blockers stay cached when no change is announced (the fallback while Redis is away). */
const BLOCKERS_CACHE_MS = 30_000;
/** Cached users beyond which the cache starts over. */
const BLOCKERS_CACHE_MAX = 10_000;

/**
 * Blocks (contract §10): a blocked user cannot open a direct room with the blocker, add them to a room, notify
 * them or show them typing, and is never told. The single place that answers "has X blocked Y": rooms,
 * notifications, typing and status ask here.
 *
 * The hot paths (a notification per message, a typing broadcast) read `blockersOf`, cached per user; every
 * block and unblock drops the blocked user's entry on every instance (announced on the ChannelBus, so it
 * applies before the next message in practice), and entries expire after 30 s in case an announcement was
 * lost while Redis was away.
 */
@Injectable()
export class Blocks implements OnModuleInit {
  private readonly logger = new Logger(Blocks.name);
  private readonly cache = new Map<string, { blockers: ReadonlySet<string>; until: number }>();
  private readonly channel: string;

  constructor(
    private readonly repository: BlocksRepository,
    private readonly users: UsersService,
    private readonly bus: ChannelBus,
    private readonly events: DomainEvents,
    config: AppConfig,
  ) {
    this.channel = `${config.redisPrefix}:blocks:changed`;
  }

  async onModuleInit(): Promise<void> {
    await this.bus.subscribe(this.channel, (blockedId) => this.cache.delete(blockedId));
    // Announcements may have been lost while Redis was away.
    this.bus.onRecovered(() => this.cache.clear());
  }

  /** Idempotent. `not_found` for an unknown or deleted user, `validation_failed` for oneself. */
  async block(blockerId: string, blockedId: string): Promise<void> {
    await this.requireOther(blockerId, blockedId);
    if (await this.repository.insert(blockerId, blockedId)) {
      await this.changed(blockedId);
      this.events.emit('user.blocked', { blockerId, blockedId });
    }
  }

  /** Idempotent: lifting a block that is not there is fine. */
  async unblock(blockerId: string, blockedId: string): Promise<void> {
    if (blockerId === blockedId) throw ApiError.validation('You cannot block yourself');
    if (await this.repository.delete(blockerId, blockedId)) {
      await this.changed(blockedId);
      this.events.emit('user.unblocked', { blockerId, blockedId });
    }
  }

  async listBlocked(blockerId: string): Promise<BlockedUser[]> {
    const records = await this.repository.listBlockedBy(blockerId);
    return records.map((record) => ({ user: userFromJson(record.user), blockedAt: record.blockedAt.toISOString() }));
  }

  /** Whether `blockerId` blocked `blockedId` (read from the database, never cached). */
  async hasBlocked(blockerId: string, blockedId: string): Promise<boolean> {
    return (await this.repository.blockersAmong(blockedId, [blockerId])).length > 0;
  }

  /** Of `otherUserIds`, those who blocked `userId`: one query for the whole set (never cached). */
  async blockersAmong(userId: string, otherUserIds: readonly string[]): Promise<Set<string>> {
    return new Set(await this.repository.blockersAmong(userId, [...new Set(otherUserIds)]));
  }

  /** Everyone who blocked `userId`, cached (see the class comment): for per-message and per-typing checks. */
  async blockersOf(userId: string): Promise<ReadonlySet<string>> {
    const now = Date.now();
    const cached = this.cache.get(userId);
    if (cached && cached.until > now) return cached.blockers;
    const blockers = new Set(await this.repository.blockersOf(userId));
    if (this.cache.size >= BLOCKERS_CACHE_MAX) this.cache.clear();
    this.cache.set(userId, { blockers, until: now + BLOCKERS_CACHE_MS });
    return blockers;
  }

  private async requireOther(userId: string, otherId: string): Promise<void> {
    if (userId === otherId) throw ApiError.validation('You cannot block yourself');
    const other = await this.users.findById(otherId);
    if (!other || other.deleted) throw ApiError.notFound('User');
  }

  private async changed(blockedId: string): Promise<void> {
    this.cache.delete(blockedId);
    await this.bus.publish([this.channel], blockedId).catch((error: unknown) => this.logger.warn(`Block change not announced: ${String(error)}`));
  }
}
