import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { KeyedQueue } from './keyed-queue';
import { redisScript, type RedisScript } from './redis-script';
import { TurnCoalescer } from './turn-coalescer';

/** Receives a payload published on a channel this instance subscribed to. */
export type ChannelHandler = (payload: string, channel: string) => void;

/**
 * Named channels between instances: the one publish/subscribe primitive under notifications, session
 * revocations and send forwarding (room events travel through the Socket.IO adapter instead). Redis in a
 * cluster, in-process on a single instance; the contract is the same:
 *
 * - a subscriber receives what is published after its `subscribe` resolved, from one publisher in order;
 * - `publish` resolves with how many subscriptions received the payload (0: nobody listens there now);
 * - one handler per channel; subscriptions survive an outage (renewed when Redis is back).
 */
export abstract class ChannelBus {
  /** Publishes `payload` on every channel; rejects when it could not leave this instance. */
  abstract publish(channels: readonly string[], payload: string): Promise<number>;
  /** Resolves once `handler` receives what is published on `channel` (or, with Redis away, once it is retried). */
  abstract subscribe(channel: string, handler: ChannelHandler): Promise<void>;
  abstract unsubscribe(channel: string): Promise<void>;
  /** Called after an outage, once every subscription is in place again (publishes meanwhile were lost). */
  abstract onRecovered(listener: () => void): void;
}

/** One instance: channels are a map, and a publish reaches this instance's handlers on the next microtask. */
export class LocalChannelBus extends ChannelBus {
  private readonly handlers = new Map<string, ChannelHandler>();

  publish(channels: readonly string[], payload: string): Promise<number> {
    let receivers = 0;
    for (const channel of channels) {
      const handler = this.handlers.get(channel);
      if (!handler) continue;
      receivers++;
      queueMicrotask(() => handler(payload, channel));
    }
    return Promise.resolve(receivers);
  }

  subscribe(channel: string, handler: ChannelHandler): Promise<void> {
    this.handlers.set(channel, handler);
    return Promise.resolve();
  }

  unsubscribe(channel: string): Promise<void> {
    this.handlers.delete(channel);
    return Promise.resolve();
  }

  onRecovered(): void {
    // an in-process bus never goes away
  }
}

/**
 * ARGV holds groups, each `n, channel 1 … channel n, payload`: every payload is published on its channels,
 * in order. Returns, per group, how many subscriptions received it. Channels are not keys, so this is fine
 * for any topology.
 */
const PUBLISH_GROUPS = `
local i = 1
local received = {}
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  local payload = ARGV[i + n + 1]
  local count = 0
  for j = i + 1, i + n do count = count + redis.call('PUBLISH', ARGV[j], payload) end
  received[#received + 1] = count
  i = i + n + 2
end
return received`;

interface Publication {
  channels: readonly string[];
  payload: string;
}

/** The Redis connections a RedisChannelBus uses, and when they are all usable. */
export interface ChannelBusConnections {
  /** Publishes go on the send path's connection (commands only, coalesced per turn). */
  sendPath: Redis;
  /** Subscribed: receives only. */
  subscriber: Redis;
  onHealthChange(listener: (healthy: boolean) => void): void;
}

export class RedisChannelBus extends ChannelBus {
  private readonly logger = new Logger('ChannelBus');
  private readonly handlers = new Map<string, ChannelHandler>();
  /** Subscription changes per channel, in order: a quick subscribe-then-unsubscribe never lands reversed. */
  private readonly changes = new KeyedQueue((channel, error) => this.logger.debug(`Subscription change for ${channel} failed: ${String(error)}`));
  private readonly recovered = new Set<() => void>();
  private readonly publishGroups: RedisScript;
  /** The publishes of one event-loop turn (a batch of messages' notifications, say) go out as one command. */
  private readonly publishes: TurnCoalescer<Publication, number>;

  constructor(private readonly redis: ChannelBusConnections) {
    super();
    this.publishGroups = redisScript(redis.sendPath, 'parleyPublishGroups', PUBLISH_GROUPS, 0);
    this.publishes = new TurnCoalescer((publications) => this.send(publications));
    redis.subscriber.on('message', (channel: string, payload: string) => this.handlers.get(channel)?.(payload, channel));
    // A subscription that failed while Redis was away is not retried by ioredis: renew them all.
    redis.onHealthChange((healthy) => {
      if (healthy) void this.renewSubscriptions();
    });
  }

  publish(channels: readonly string[], payload: string): Promise<number> {
    if (channels.length === 0) return Promise.resolve(0);
    return this.publishes.submit({ channels, payload });
  }

  subscribe(channel: string, handler: ChannelHandler): Promise<void> {
    this.handlers.set(channel, handler);
    return this.changes.run(channel, () => this.redis.subscriber.subscribe(channel));
  }

  unsubscribe(channel: string): Promise<void> {
    this.handlers.delete(channel);
    return this.changes.run(channel, () => this.redis.subscriber.unsubscribe(channel));
  }

  onRecovered(listener: () => void): void {
    this.recovered.add(listener);
  }

  private async renewSubscriptions(): Promise<void> {
    const channels = [...this.handlers.keys()];
    try {
      if (channels.length > 0) await this.redis.subscriber.subscribe(...channels);
    } catch (error) {
      this.logger.warn(`Renewing ${channels.length} subscription(s) failed: ${String(error)}`);
      return; // the next recovery tries again
    }
    for (const listener of this.recovered) listener();
  }

  private async send(publications: readonly Publication[]): Promise<number[]> {
    const [only] = publications;
    if (publications.length === 1 && only?.channels.length === 1) return [await this.redis.sendPath.publish(only.channels[0] as string, only.payload)];
    const args: string[] = [];
    for (const { channels, payload } of publications) args.push(String(channels.length), ...channels, payload);
    const received = await this.publishGroups(...args);
    if (!Array.isArray(received)) throw new Error('unexpected publish script reply');
    return received.map(Number);
  }
}
