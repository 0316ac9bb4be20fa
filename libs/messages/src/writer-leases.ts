import { redisScript, type RedisScript } from '@parley/redis';
import type { Redis } from 'ioredis';

/**
 * The writer shard of a room, from its id (a UUID: its first 32 bits are as uniform as any hash). Every
 * instance must use the same number of shards (WRITER_SHARDS).
 */
export function shardOf(roomId: string, shards: number): number {
  const bits = Number.parseInt(roomId.slice(0, 8), 16);
  return Number.isFinite(bits) ? bits % shards : 0;
}

/**
 * Who writes each room: rooms are grouped in writer shards, and a lease per shard, held by one instance at a
 * time, routes the shard's sends to it. Leases only route: two instances that both believe they write a
 * shard never both store in it, because every send statement checks the shard's fencing epoch in
 * PostgreSQL (MessagesRepository.takeShard).
 */
export abstract class WriterLeases {
  /** The instance holding the shard's lease, or null when nobody does. */
  abstract holder(shard: number): Promise<string | null>;
  /**
   * Takes the shard's lease if it is free, this instance's already, or held by `replacing` (a writer found
   * gone). Resolves with the holder after the attempt: this instance's id when it got the lease.
   */
  abstract acquire(shard: number, replacing?: string): Promise<string | null>;
  /** Extends these shards' leases; resolves with the shards whose lease is no longer this instance's. */
  abstract renew(shards: readonly number[]): Promise<number[]>;
  abstract release(shards: readonly number[]): Promise<void>;
}

/** One instance writes every room. */
export class LocalWriterLeases extends WriterLeases {
  constructor(private readonly instanceId: string) {
    super();
  }

  holder(_shard: number): Promise<string> {
    return Promise.resolve(this.instanceId);
  }

  acquire(_shard: number, _replacing?: string): Promise<string> {
    return Promise.resolve(this.instanceId);
  }

  renew(_shards: readonly number[]): Promise<number[]> {
    return Promise.resolve([]);
  }

  release(_shards: readonly number[]): Promise<void> {
    return Promise.resolve();
  }
}

/** KEYS[1] the lease, ARGV: this instance, ttl ms, the holder it may replace ('' for none). Returns the holder. */
const ACQUIRE = `
local current = redis.call('GET', KEYS[1])
if not current or current == ARGV[1] or current == ARGV[3] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ARGV[1]
end
return current`;

/**
 * KEYS the leases, ARGV: this instance, ttl ms. Extends this instance's leases, takes back the ones that
 * expired unclaimed (nobody else bumped the epoch meanwhile, or their statements tell), returns the indexes
 * (1-based) of the others.
 */
const RENEW = `
local lost = {}
for i, key in ipairs(KEYS) do
  local current = redis.call('GET', key)
  if not current or current == ARGV[1] then redis.call('SET', key, ARGV[1], 'PX', ARGV[2]) else lost[#lost + 1] = i end
end
return lost`;

/** KEYS the leases, ARGV[1] this instance: deletes those it holds. */
const RELEASE = `
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) end
end
return 0`;

export class RedisWriterLeases extends WriterLeases {
  private readonly acquireScript: RedisScript;
  private readonly renewScript: RedisScript;
  private readonly releaseScript: RedisScript;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly instanceId: string,
    private readonly ttlMs: number,
  ) {
    super();
    this.acquireScript = redisScript(redis, 'parleyWriterAcquire', ACQUIRE, 1);
    this.renewScript = redisScript(redis, 'parleyWriterRenew', RENEW);
    this.releaseScript = redisScript(redis, 'parleyWriterRelease', RELEASE);
  }

  private key(shard: number): string {
    return `${this.prefix}:writer:${shard}`;
  }

  holder(shard: number): Promise<string | null> {
    return this.redis.get(this.key(shard));
  }

  async acquire(shard: number, replacing = ''): Promise<string | null> {
    return (await this.acquireScript(this.key(shard), this.instanceId, String(this.ttlMs), replacing)) as string | null;
  }

  async renew(shards: readonly number[]): Promise<number[]> {
    if (shards.length === 0) return [];
    const lost = (await this.renewScript(String(shards.length), ...shards.map((shard) => this.key(shard)), this.instanceId, String(this.ttlMs))) as number[];
    return lost.map((index) => shards[index - 1] as number);
  }

  async release(shards: readonly number[]): Promise<void> {
    if (shards.length === 0) return;
    await this.releaseScript(String(shards.length), ...shards.map((shard) => this.key(shard)), this.instanceId);
  }
}
