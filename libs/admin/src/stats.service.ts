import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { DomainEvents } from '@parley/common';
import { AppConfig } from '@parley/config';
import type { AdminStats, InstanceStats } from '@parley/contract';
import { NotificationStreams } from '@parley/notifications';
import { SocketRegistry } from '@parley/realtime';
import { RedisConnections } from '@parley/redis';
import { RoomsService } from '@parley/rooms';
import { MessageRate } from './message-rate';

/** Extra per-instance figure for the dashboard chart (the contract's stats are a superset-compatible shape). */
export type InstanceFigures = InstanceStats & { messagesPerSecond: number };
export type ClusterStats = AdminStats & { messagesPerSecond: number; instances: InstanceFigures[] };

/**
 * Admin figures. Each instance reports its own numbers to Redis every STATS_INTERVAL_MS (a hash field per
 * instance, and a HyperLogLog of its connected users); any instance can then add up the cluster. Reports
 * older than three intervals are ignored (a dead instance drops out). Without Redis, this instance is the
 * cluster.
 */
@Injectable()
export class StatsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StatsService.name);
  private readonly rate = new MessageRate();
  private readonly startedAt = new Date().toISOString();
  private timer?: NodeJS.Timeout;

  constructor(
    events: DomainEvents,
    private readonly sockets: SocketRegistry,
    private readonly streams: NotificationStreams,
    private readonly rooms: RoomsService,
    private readonly config: AppConfig,
    @Optional() private readonly redis?: RedisConnections,
  ) {
    events.on('message.created', () => this.rate.record());
  }

  onApplicationBootstrap(): void {
    if (!this.redis) return;
    this.timer = setInterval(() => void this.report(), this.config.statsIntervalMs);
    this.timer.unref();
    void this.report();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.redis?.command.hdel(this.instancesKey, this.config.instanceId).catch(() => undefined);
  }

  local(): InstanceFigures {
    return {
      instanceId: this.config.instanceId,
      sockets: this.sockets.localSocketCount,
      sseStreams: this.streams.size,
      messagesPerMinute: this.rate.perMinute(),
      messagesPerSecond: this.rate.perSecond(),
      startedAt: this.startedAt,
      reportedAt: new Date().toISOString(),
    };
  }

  async cluster(): Promise<ClusterStats> {
    const local = this.local();
    let instances: InstanceFigures[] = [local];
    let usersOnline = this.sockets.localUserIds().length;
    if (this.redis?.isHealthy) {
      try {
        await this.report(local);
        instances = await this.liveInstances();
        usersOnline = await this.redis.command.pfcount(...instances.map((instance) => this.onlineKey(instance.instanceId)));
      } catch (error) {
        this.logger.warn(`Cluster stats unavailable, showing this instance only: ${String(error)}`);
      }
    }
    const sum = (pick: (instance: InstanceFigures) => number): number => instances.reduce((total, instance) => total + pick(instance), 0);
    return {
      sockets: sum((instance) => instance.sockets),
      sseStreams: sum((instance) => instance.sseStreams),
      usersOnline,
      rooms: await this.rooms.countRooms(),
      messagesPerMinute: sum((instance) => instance.messagesPerMinute),
      messagesPerSecond: sum((instance) => instance.messagesPerSecond),
      instances: instances.sort((a, b) => a.instanceId.localeCompare(b.instanceId)),
      at: new Date().toISOString(),
    };
  }

  private get instancesKey(): string {
    return `${this.redis?.prefix ?? 'parley'}:stats:instances`;
  }

  private onlineKey(instanceId: string): string {
    return `${this.redis?.prefix ?? 'parley'}:stats:online:${instanceId}`;
  }

  private async report(figures = this.local()): Promise<void> {
    const redis = this.redis;
    if (!redis) return;
    const onlineKey = this.onlineKey(this.config.instanceId);
    const userIds = this.sockets.localUserIds();
    const ttl = this.config.statsIntervalMs * 3;
    const pipeline = redis.command.multi().hset(this.instancesKey, this.config.instanceId, JSON.stringify(figures)).del(onlineKey);
    if (userIds.length > 0) pipeline.pfadd(onlineKey, ...userIds);
    await pipeline.pexpire(onlineKey, ttl).exec().catch((error: unknown) => this.logger.debug(`Stats report failed: ${String(error)}`));
  }

  private async liveInstances(): Promise<InstanceFigures[]> {
    const redis = this.redis;
    if (!redis) return [this.local()];
    const reports = await redis.command.hgetall(this.instancesKey);
    const oldest = Date.now() - this.config.statsIntervalMs * 3;
    const live: InstanceFigures[] = [];
    for (const [instanceId, json] of Object.entries(reports)) {
      const figures = JSON.parse(json) as InstanceFigures;
      if (Date.parse(figures.reportedAt) >= oldest) live.push(figures);
      else await redis.command.hdel(this.instancesKey, instanceId);
    }
    return live;
  }
}
