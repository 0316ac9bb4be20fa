import { Logger } from '@nestjs/common';
import type { Message, User } from '@parley/contract';
import { KeyedQueue, type RedisConnections } from '@parley/redis';
import { adoptEncoding, preEncoded } from './pre-encoded-json';

/** Facts every instance must act on for its own sockets (delivery in order, unsubscribing, dropping). */
export type ClusterEvent =
  | { type: 'message.created'; message: Message }
  | { type: 'member.left'; roomId: string; user: User }
  | { type: 'room.deleted'; roomId: string };

type Handler = (event: ClusterEvent) => void;

/** How an envelope from `origin` starts on the wire (JSON.stringify puts `origin` first, see wrap). */
const envelopeStart = (origin: string): string => `{"origin":${JSON.stringify(origin)},`;

/** How a message.created envelope continues after its origin (JSON.stringify's key order). */
const MESSAGE_CREATED_KEY = '"event":{"type":"message.created","message":';

/** On the wire: the event and the instance it comes from (which ignores its own echo). */
interface Envelope {
  origin: string;
  event: ClusterEvent;
}

/**
 * Carries ClusterEvents to every instance that has subscribers in the room concerned. Messages travel on
 * a channel per room that an instance subscribes to only while it has local subscribers, so an instance's
 * share of the traffic grows with its rooms, not with the cluster's. Membership changes are rare and go to
 * every instance on one channel.
 */
export abstract class ClusterBus {
  private handler: Handler = () => undefined;
  /** How this instance's envelopes start on the wire (see wrap). */
  private readonly ownPrefix: string;
  private readonly messageHeads = new Map<string, string>();

  constructor(protected readonly instanceId: string) {
    this.ownPrefix = envelopeStart(instanceId);
  }

  /** Handles events published by other instances (the origin acts on its own events directly). */
  onEvent(handler: Handler): void {
    this.handler = handler;
  }

  /**
   * An envelope from the wire. This instance's own events come back on the channels it subscribes to, as
   * often as it publishes: recognised by how the payload starts, they are dropped without being parsed.
   * Throws on a malformed payload.
   */
  protected receive(payload: string): void {
    if (payload.startsWith(this.ownPrefix)) return;
    const envelope = JSON.parse(payload) as Envelope;
    if (envelope.event.type === 'message.created') {
      // The message's own text, as its instance wrote it: this instance's sockets get it without a new encoding.
      const head = this.messageHead(envelope.origin);
      if (payload.startsWith(head) && payload.endsWith('}}')) adoptEncoding(envelope.event.message, payload.slice(head.length, -2));
    }
    this.handler(envelope.event);
  }

  /** How another instance's message.created envelopes start, up to the message (a few instances: cached). */
  private messageHead(origin: string): string {
    let head = this.messageHeads.get(origin);
    if (head === undefined) {
      if (this.messageHeads.size >= 64) this.messageHeads.clear(); // instances come and go over a long uptime
      head = `${envelopeStart(origin)}${MESSAGE_CREATED_KEY}`;
      this.messageHeads.set(origin, head);
    }
    return head;
  }

  /**
   * The wire form: `origin` first (JSON.stringify keeps key order), which is what receive recognises. A
   * message encoded once already (pre-encoded-json.ts) is spliced in, not serialised again.
   */
  protected wrap(event: ClusterEvent): string {
    const message = event.type === 'message.created' ? preEncoded(event.message) : undefined;
    if (message !== undefined) return `${this.ownPrefix}${MESSAGE_CREATED_KEY}${message}}}`;
    return JSON.stringify({ origin: this.instanceId, event } satisfies Envelope);
  }

  /** Publishes to the other instances; resolves false when the event could not leave this one (Redis away). */
  abstract publish(roomId: string, event: ClusterEvent): Promise<boolean>;
  abstract subscribeRoom(roomId: string): Promise<void>;
  abstract unsubscribeRoom(roomId: string): Promise<void>;
  /** Called after an outage once the bus carries events again (subscriptions were restored). */
  onReconnect(_listener: () => void): void {
    // an in-process bus never disconnects
  }
}

/** One instance: there is nobody else to tell. */
export class InProcessClusterBus extends ClusterBus {
  publish(): Promise<boolean> {
    return Promise.resolve(true);
  }
  subscribeRoom(): Promise<void> {
    return Promise.resolve();
  }
  unsubscribeRoom(): Promise<void> {
    return Promise.resolve();
  }
}

export class RedisClusterBus extends ClusterBus {
  private readonly logger = new Logger('ClusterBus');
  /**
   * Subscription changes per room, in order. A failure (Redis away) is not fatal: ioredis resubscribes what
   * it knows when it reconnects, the registry resubscribes the rest, and gaps are filled from the database.
   */
  private readonly subscriptions = new KeyedQueue((roomId, error) =>
    this.logger.debug(`Bus subscription change for ${roomId} failed: ${String(error)}`),
  );
  private readonly clusterChannel: string;

  private roomChannel(roomId: string): string {
    return `${this.redis.prefix}:bus:room:${roomId}`;
  }

  constructor(
    private readonly redis: RedisConnections,
    instanceId: string,
  ) {
    super(instanceId);
    this.clusterChannel = `${redis.prefix}:bus:cluster`;
    const busPrefix = `${redis.prefix}:bus:`;
    redis.subscriber.on('message', (channel: string, payload: string) => {
      if (!channel.startsWith(busPrefix)) return;
      try {
        this.receive(payload);
      } catch (error) {
        this.logger.warn(`Dropped a malformed bus message on ${channel}: ${String(error)}`);
      }
    });
    this.subscribeClusterChannel();
    // A subscription that failed while Redis was away is not restored by ioredis: do it on every recovery.
    redis.onHealthChange((healthy) => healthy && this.subscribeClusterChannel());
  }

  private subscribeClusterChannel(): void {
    this.redis.subscriber.subscribe(this.clusterChannel).catch((error: unknown) => this.logger.warn(`Subscribing the cluster channel failed: ${String(error)}`));
  }

  override onReconnect(listener: () => void): void {
    this.redis.onHealthChange((healthy) => {
      if (healthy) listener();
    });
  }

  async publish(roomId: string, event: ClusterEvent): Promise<boolean> {
    const channel = event.type === 'message.created' ? this.roomChannel(roomId) : this.clusterChannel;
    try {
      await this.redis.publisher.publish([channel], this.wrap(event));
      return true;
    } catch {
      return false;
    }
  }

  subscribeRoom(roomId: string): Promise<void> {
    return this.subscriptions.run(roomId, () => this.redis.subscriber.subscribe(this.roomChannel(roomId)));
  }

  unsubscribeRoom(roomId: string): Promise<void> {
    return this.subscriptions.run(roomId, () => this.redis.subscriber.unsubscribe(this.roomChannel(roomId)));
  }
}
