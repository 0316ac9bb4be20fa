import { Logger } from '@nestjs/common';
import type { DurableNotification, NotificationEventMap, NotificationEventName } from '@parley/contract';
import { KeyedQueue, type RedisConnections } from '@parley/redis';

/** What travels to streams: a live event, or a durable notification (which carries its id). */
export type StreamEvent =
  | { kind: 'live'; event: NotificationEventName; data: NotificationEventMap[NotificationEventName] }
  | { kind: 'durable'; notification: DurableNotification };

/** `userId` null: for every stream. */
type Handler = (userId: string | null, event: StreamEvent) => void;

/**
 * Carries notifications to the instances holding the recipients' streams. Channels: one per user, subscribed
 * by an instance only while it holds a stream of that user, so an instance's work grows with the streams it
 * holds, not with the number of users; plus one channel for events meant for every stream.
 */
export abstract class NotificationBus {
  protected handler: Handler = () => undefined;

  onEvent(handler: Handler): void {
    this.handler = handler;
  }

  abstract toUser(userId: string, event: StreamEvent): Promise<void>;
  /** The same event to several users (a message's recipients): one command whatever their number. */
  abstract toUsers(userIds: readonly string[], event: StreamEvent): Promise<void>;
  abstract toAll(event: StreamEvent): Promise<void>;
  abstract watchUser(userId: string): Promise<void>;
  abstract unwatchUser(userId: string): Promise<void>;
  /** Called once the bus carries events again after an outage (re-watch the users with streams). */
  onReconnect(_listener: () => void): void {
    // an in-process bus never disconnects
  }
}

export class InProcessNotificationBus extends NotificationBus {
  toUser(userId: string, event: StreamEvent): Promise<void> {
    this.handler(userId, event);
    return Promise.resolve();
  }
  toUsers(userIds: readonly string[], event: StreamEvent): Promise<void> {
    for (const userId of userIds) this.handler(userId, event);
    return Promise.resolve();
  }
  toAll(event: StreamEvent): Promise<void> {
    this.handler(null, event);
    return Promise.resolve();
  }
  watchUser(): Promise<void> {
    return Promise.resolve();
  }
  unwatchUser(): Promise<void> {
    return Promise.resolve();
  }
}

export class RedisNotificationBus extends NotificationBus {
  private readonly logger = new Logger('NotificationBus');
  private readonly userPrefix: string;
  private readonly allChannel: string;
  private readonly subscriptions = new KeyedQueue((userId, error) => this.logger.debug(`Subscription change for ${userId} failed: ${String(error)}`));

  constructor(private readonly redis: RedisConnections) {
    super();
    this.userPrefix = `${redis.prefix}:notify:user:`;
    this.allChannel = `${redis.prefix}:notify:all`;
    redis.subscriber.on('message', (channel: string, payload: string) => {
      if (channel !== this.allChannel && !channel.startsWith(this.userPrefix)) return;
      try {
        const event = JSON.parse(payload) as StreamEvent;
        this.handler(channel === this.allChannel ? null : channel.slice(this.userPrefix.length), event);
      } catch (error) {
        this.logger.warn(`Dropped a malformed notification on ${channel}: ${String(error)}`);
      }
    });
    this.subscribeAll();
    redis.onHealthChange((healthy) => healthy && this.subscribeAll());
  }

  override onReconnect(listener: () => void): void {
    this.redis.onHealthChange((healthy) => healthy && listener());
  }

  private subscribeAll(): void {
    this.redis.subscriber.subscribe(this.allChannel).catch((error: unknown) => this.logger.warn(`Subscribing ${this.allChannel} failed: ${String(error)}`));
  }

  async toUser(userId: string, event: StreamEvent): Promise<void> {
    await this.publish([`${this.userPrefix}${userId}`], event);
  }

  async toAll(event: StreamEvent): Promise<void> {
    await this.publish([this.allChannel], event);
  }

  async toUsers(userIds: readonly string[], event: StreamEvent): Promise<void> {
    await this.publish(
      userIds.map((userId) => `${this.userPrefix}${userId}`),
      event,
    );
  }

  watchUser(userId: string): Promise<void> {
    return this.subscriptions.run(userId, () => this.redis.subscriber.subscribe(`${this.userPrefix}${userId}`));
  }

  unwatchUser(userId: string): Promise<void> {
    return this.subscriptions.run(userId, () => this.redis.subscriber.unsubscribe(`${this.userPrefix}${userId}`));
  }

  /**
   * Serialised once and published inside Redis on every channel (RedisPublisher), together with the other
   * publishes of the turn: no encoding, command or reply per recipient.
   */
  private async publish(channels: readonly string[], event: StreamEvent): Promise<void> {
    if (channels.length === 0) return;
    try {
      await this.redis.publisher.publish(channels, JSON.stringify(event));
    } catch (error) {
      // Live events are best effort; durable ones are stored and replayed on reconnect (Last-Event-ID).
      this.logger.debug(`Notification not published on ${channels.length === 1 ? channels[0] : `${channels.length} channels`}: ${String(error)}`);
    }
  }
}
