import { InMemoryPresenceStore, PresenceStore, RedisPresenceStore } from '@parley/presence';
import type { AppConfig } from '@parley/config';
import type { RedisConnections } from '@parley/redis';

/**
 * Who is connected (and who is active) anywhere in the cluster, per socket: the presence store's mechanism
 * (per-instance socket sets, heartbeats, a dead instance's sockets reaped by a survivor after
 * PRESENCE_TTL_MS), under its own key prefix and with two pseudo-rooms instead of chat rooms:
 * `connected` (every socket) and `active` (every socket that sent an event within AWAY_AFTER_MS).
 */
export abstract class ConnectionStore extends PresenceStore {}

export const CONNECTED = 'connected';
export const ACTIVE = 'active';

export function createConnectionStore(config: AppConfig, redis?: RedisConnections): PresenceStore {
  return redis
    ? new RedisPresenceStore(redis.command, {
        prefix: `${redis.prefix}:status`,
        instanceId: config.instanceId,
        instanceTtlMs: config.presenceInstanceTtlMs,
        heartbeatMs: config.presenceHeartbeatMs,
      })
    : new InMemoryPresenceStore();
}
