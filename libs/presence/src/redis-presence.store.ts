import { Logger } from '@nestjs/common';
import { redisScript, type RedisScript } from '@parley/redis';
import type { Redis } from 'ioredis';
import { PresenceStore, type PresenceEntry, type PresenceHooks, type PresenceTransitions } from './presence.store';

const member = (entry: PresenceEntry): string => `${entry.roomId}|${entry.userId}|${entry.socketId}`;

// Each script keeps the per-room socket counts and the per-instance socket set in step, atomically.
const ADD = `
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
  return redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
end
return -1`;

const REMOVE = `
if redis.call('SREM', KEYS[1], ARGV[1]) == 1 then
  local n = redis.call('HINCRBY', KEYS[2], ARGV[2], -1)
  if n <= 0 then redis.call('HDEL', KEYS[2], ARGV[2]) end
  return n
end
return -1`;

/** Heartbeat in Redis time, so instances with skewed clocks agree. Returns 1 when the entry was missing. */
const HEARTBEAT = `
local t = redis.call('TIME')
return redis.call('ZADD', KEYS[1], t[1] * 1000 + math.floor(t[2] / 1000), ARGV[1])`;

const EXPIRED = `
local t = redis.call('TIME')
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', t[1] * 1000 + math.floor(t[2] / 1000) - tonumber(ARGV[1]))`;

/** Removes a dead instance's sockets; returns "roomId|userId" of each user that went offline. */
const REAP = `
local members = redis.call('SMEMBERS', KEYS[1])
local offline = {}
for _, m in ipairs(members) do
  local a = string.find(m, '|', 1, true)
  local b = string.find(m, '|', a + 1, true)
  local roomId = string.sub(m, 1, a - 1)
  local userId = string.sub(m, a + 1, b - 1)
  local key = ARGV[2] .. roomId
  local n = redis.call('HINCRBY', key, userId, -1)
  if n <= 0 then
    redis.call('HDEL', key, userId)
    table.insert(offline, roomId .. '|' .. userId)
  end
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return offline`;

export interface RedisPresenceOptions {
  /** Namespace of the keys (REDIS_PREFIX). */
  prefix: string;
  instanceId: string;
  /** An instance silent for this long is dead: its users go offline. */
  instanceTtlMs: number;
  heartbeatMs: number;
}

/**
 * Cluster-wide presence. Per room, a hash of user → socket count; per instance, the set of its socket
 * subscriptions and a heartbeat. Any survivor reaps an instance whose heartbeat is older than the TTL (a
 * SIGKILLed one says no goodbye), so its users go offline within TTL + one heartbeat. No fetchSockets().
 */
export class RedisPresenceStore extends PresenceStore {
  private readonly logger = new Logger('Presence');
  private timer?: NodeJS.Timeout;
  private hooks?: PresenceHooks;
  private ticking = false;
  private firstTick = true;
  private readonly instancesKey: string;
  /** Sent by EVALSHA: joins, leaves and heartbeats do not ship the script text each time. */
  private readonly scripts: Record<'add' | 'remove' | 'heartbeat' | 'expired' | 'reap', RedisScript>;

  private roomKey(roomId: string): string {
    return `${this.options.prefix}:presence:room:${roomId}`;
  }

  private instanceKey(instanceId: string): string {
    return `${this.options.prefix}:presence:instance:${instanceId}`;
  }

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisPresenceOptions,
  ) {
    super();
    this.instancesKey = `${options.prefix}:presence:instances`;
    this.scripts = {
      add: redisScript(redis, 'parleyPresenceAdd', ADD, 2),
      remove: redisScript(redis, 'parleyPresenceRemove', REMOVE, 2),
      heartbeat: redisScript(redis, 'parleyPresenceHeartbeat', HEARTBEAT, 1),
      expired: redisScript(redis, 'parleyPresenceExpired', EXPIRED, 1),
      reap: redisScript(redis, 'parleyPresenceReap', REAP, 2),
    };
  }

  async add(roomId: string, userId: string, socketId: string): Promise<boolean> {
    const count = await this.scripts.add(this.instanceKey(this.options.instanceId), this.roomKey(roomId), member({ roomId, userId, socketId }), userId);
    return count === 1;
  }

  async remove(roomId: string, userId: string, socketId: string): Promise<boolean> {
    const count = await this.scripts.remove(this.instanceKey(this.options.instanceId), this.roomKey(roomId), member({ roomId, userId, socketId }), userId);
    return count === 0;
  }

  async onlineIn(roomId: string, userIds: string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const counts = await this.redis.hmget(this.roomKey(roomId), ...userIds);
    return new Set(userIds.filter((_, i) => Number(counts[i] ?? 0) > 0));
  }

  override start(hooks: PresenceHooks): void {
    this.hooks = hooks;
    this.timer = setInterval(() => void this.tick(), this.options.heartbeatMs);
    this.timer.unref();
    void this.tick();
  }

  override async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    // Whatever is left of this instance (its sockets were removed one by one already) goes now.
    await this.reap(this.options.instanceId).catch(() => undefined);
  }

  /** Heartbeat, then reap the dead. Errors (Redis away) are retried on the next tick. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      if (this.firstTick) {
        // Same INSTANCE_ID as a previous life that was killed: its leftovers go first.
        const stale = await this.reap(this.options.instanceId);
        if (stale.length > 0) this.hooks?.onTransitions({ online: [], offline: stale });
        this.firstTick = false;
      }
      const missing = await this.scripts.heartbeat(this.instancesKey, this.options.instanceId);
      // Missing means first beat, or we were taken for dead during an outage: restore our sockets.
      if (missing === 1) await this.restoreLocal();
      const expired = (await this.scripts.expired(this.instancesKey, String(this.options.instanceTtlMs))) as string[];
      for (const instanceId of expired) {
        if (instanceId === this.options.instanceId) continue;
        const offline = await this.reap(instanceId);
        this.logger.warn(`Instance ${instanceId} stopped heartbeating: ${offline.length} user(s) went offline`);
        this.hooks?.onTransitions({ online: [], offline });
      }
    } catch (error) {
      this.logger.debug(`Presence upkeep skipped: ${String(error)}`);
    } finally {
      this.ticking = false;
    }
  }

  private async reap(instanceId: string): Promise<PresenceTransitions['offline']> {
    const offline = (await this.scripts.reap(this.instanceKey(instanceId), this.instancesKey, instanceId, `${this.options.prefix}:presence:room:`)) as string[];
    return offline.map((entry) => {
      const [roomId = '', userId = ''] = entry.split('|');
      return { roomId, userId };
    });
  }

  override resync(): Promise<void> {
    return this.restoreLocal();
  }

  /** Makes the shared state match this instance's live sockets again (after being reaped, or an outage). */
  private async restoreLocal(): Promise<void> {
    const local = this.hooks?.localEntries() ?? [];
    const wanted = new Set(local.map(member));
    const stored = await this.redis.smembers(this.instanceKey(this.options.instanceId));
    const transitions: PresenceTransitions = { online: [], offline: [] };
    for (const entry of stored) {
      if (wanted.has(entry)) continue;
      const [roomId = '', userId = '', socketId = ''] = entry.split('|');
      if (await this.remove(roomId, userId, socketId)) transitions.offline.push({ roomId, userId });
    }
    for (const entry of local) {
      if (await this.add(entry.roomId, entry.userId, entry.socketId)) transitions.online.push({ roomId: entry.roomId, userId: entry.userId });
    }
    if (transitions.online.length + transitions.offline.length > 0) this.hooks?.onTransitions(transitions);
  }
}
