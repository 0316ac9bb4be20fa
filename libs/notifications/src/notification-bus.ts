import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '@parley/config';
import type { DurableNotification, NotificationEventMap, NotificationEventName } from '@parley/contract';
import { ChannelBus } from '@parley/redis';

/** What travels to streams: a live event, or a durable notification (which carries its id). */
export type StreamEvent =
  | { kind: 'live'; event: NotificationEventName; data: NotificationEventMap[NotificationEventName] }
  | { kind: 'durable'; notification: DurableNotification };

/** `userId` null: for every stream. */
type Handler = (userId: string | null, event: StreamEvent) => void;

/**
 * Carries notifications to the instances holding the recipients' streams, over the ChannelBus. Channels: one
 * per user, subscribed by an instance only while it holds a stream of that user, so an instance's work grows
 * with the streams it holds, not with the number of users; plus one channel for events meant for every stream.
 */
@Injectable()
export class NotificationBus implements OnModuleInit {
  private readonly logger = new Logger(NotificationBus.name);
  private handler: Handler = () => undefined;
  private readonly userPrefix: string;
  private readonly allChannel: string;

  constructor(
    private readonly bus: ChannelBus,
    config: AppConfig,
  ) {
    this.userPrefix = `${config.redisPrefix}:notify:user:`;
    this.allChannel = `${config.redisPrefix}:notify:all`;
  }

  async onModuleInit(): Promise<void> {
    await this.bus.subscribe(this.allChannel, (payload) => this.dispatch(null, payload));
  }

  onEvent(handler: Handler): void {
    this.handler = handler;
  }

  toUser(userId: string, event: StreamEvent): Promise<void> {
    return this.publish([`${this.userPrefix}${userId}`], event);
  }

  /** The same event to several users (a message's recipients): serialised once, one command whatever their number. */
  toUsers(userIds: readonly string[], event: StreamEvent): Promise<void> {
    return this.publish(
      userIds.map((userId) => `${this.userPrefix}${userId}`),
      event,
    );
  }

  toAll(event: StreamEvent): Promise<void> {
    return this.publish([this.allChannel], event);
  }

  watchUser(userId: string): Promise<void> {
    return this.bus.subscribe(`${this.userPrefix}${userId}`, (payload) => this.dispatch(userId, payload));
  }

  unwatchUser(userId: string): Promise<void> {
    return this.bus.unsubscribe(`${this.userPrefix}${userId}`);
  }

  private dispatch(userId: string | null, payload: string): void {
    let event: StreamEvent;
    try {
      event = JSON.parse(payload) as StreamEvent;
    } catch (error) {
      this.logger.warn(`Dropped a malformed notification for ${userId ?? 'every stream'}: ${String(error)}`);
      return;
    }
    this.handler(userId, event);
  }

  private async publish(channels: readonly string[], event: StreamEvent): Promise<void> {
    if (channels.length === 0) return;
    try {
      await this.bus.publish(channels, JSON.stringify(event));
    } catch (error) {
      // Live events are best effort; durable ones are stored and replayed on reconnect (Last-Event-ID).
      this.logger.debug(`Notification not published on ${channels.length === 1 ? channels[0] : `${channels.length} channels`}: ${String(error)}`);
    }
  }
}
