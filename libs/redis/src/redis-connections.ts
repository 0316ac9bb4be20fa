import { Logger } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { corkWritesPerTurn } from './turn-corked-writes';

export type RedisRole = 'command' | 'send-path' | 'subscriber' | 'adapter-sub';

/**
 * The Redis connections of one instance. Subscribers need connections of their own (a subscribed
 * connection cannot run commands). All reconnect forever with a capped back-off and resubscribe by
 * themselves; commands issued while Redis is away fail at once instead of piling up.
 */
export class RedisConnections {
  private readonly logger = new Logger('Redis');
  readonly command: Redis;
  /**
   * The send path's commands: rate limits, writer leases, the channel bus's publishes and the Socket.IO
   * adapter's. Rate-limit hits and channel publishes are coalesced per event-loop turn (TurnCoalescer), and
   * with the transport fast paths on, everything one turn writes goes out in one system call.
   */
  readonly sendPath: Redis;
  /** The channel bus's subscriptions. */
  readonly subscriber: Redis;
  /** The Socket.IO adapter's (sharded) subscriptions. */
  readonly adapterSub: Redis;
  private readonly all: Redis[];
  private healthy = false;
  private readonly listeners = new Set<(healthy: boolean) => void>();
  private readonly errorListeners = new Set<(error: Error) => void>();

  /**
   * @param prefix namespaces every key and channel, so several Parley deployments (or test runs) can share
   *   one Redis.
   */
  constructor(
    url: string,
    instanceId: string,
    readonly prefix = 'parley',
    options: { corkSendPath?: boolean } = {},
  ) {
    const base: RedisOptions = {
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt) => Math.min(100 * attempt, 2000),
      enableReadyCheck: true,
      autoResubscribe: true,
      lazyConnect: true,
    };
    const open = (role: RedisRole): Redis => {
      // No auto-pipelining: the send path coalesces its own commands per turn (TurnCoalescer), and on the
      // command connection a MULTI would overtake queued commands, while the Socket.IO adapter's connection
      // delivered a presence event twice with it (test/cluster.e2e-spec.ts).
      // Commands fail at once while Redis is known to be down (no offline queue), so a send or a request never
      // waits for a retry to fail: rate limits fall back to local counting, writers to their epochs. Subscribers
      // keep the queue; what they could not subscribe is subscribed again after recovery.
      const failFast = role === 'command' || role === 'send-path';
      const client = new Redis(url, { ...base, enableOfflineQueue: !failFast, connectionName: `parley:${instanceId}:${role}` });
      // An 'error' listener keeps ioredis errors from becoming uncaught exceptions; state is logged below.
      client.on('error', (error: Error) => {
        for (const listener of this.errorListeners) listener(error);
      });
      return client;
    };
    this.command = open('command');
    this.sendPath = open('send-path');
    // ioredis opens a new socket on every reconnect.
    if (options.corkSendPath) this.sendPath.on('connect', () => corkWritesPerTurn(this.sendPath.stream));
    this.subscriber = open('subscriber');
    this.adapterSub = open('adapter-sub');
    this.all = [this.command, this.sendPath, this.subscriber, this.adapterSub];
    for (const client of this.all) {
      client.on('ready', () => this.refresh());
      client.on('end', () => this.refresh());
      client.on('close', () => this.refresh());
    }
  }

  /** Connects, waiting at most `timeoutMs`; the server starts degraded (and keeps retrying) if Redis is away. */
  async connect(timeoutMs: number): Promise<boolean> {
    const attempts = this.all.map((client) => client.connect().catch(() => undefined));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(attempts), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    this.refresh();
    if (!this.healthy) this.logger.warn('Redis is not reachable yet; running degraded and retrying');
    return this.healthy;
  }

  get isHealthy(): boolean {
    return this.healthy;
  }

  /** Called with true when every connection is ready again after an outage, false when one is lost. */
  onHealthChange(listener: (healthy: boolean) => void): void {
    this.listeners.add(listener);
  }

  /** Every error of every connection (for the error counter metric). */
  onError(listener: (error: Error) => void): void {
    this.errorListeners.add(listener);
  }

  async ping(): Promise<void> {
    await this.command.ping();
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((client) => client.quit().catch(() => client.disconnect())));
  }

  private refresh(): void {
    const healthy = this.all.every((client) => client.status === 'ready');
    if (healthy === this.healthy) return;
    this.healthy = healthy;
    if (healthy) this.logger.log('Redis connections ready');
    else this.logger.warn('Redis connection lost; serving local sockets, reconnecting');
    for (const listener of this.listeners) listener(healthy);
  }
}
