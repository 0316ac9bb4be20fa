import { Injectable, Logger, BeforeApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { isRevoked, Sessions, type SessionRevocation } from '@parley/auth';
import type { AuthUser } from '@parley/common';
import { AppConfig } from '@parley/config';
import { Metrics } from '@parley/metrics';
import type { DurableNotification, NotificationEventMap } from '@parley/contract';
import type { Response } from 'express';
import { NotificationBus, type StreamEvent } from './notification-bus';
import { NotificationsRepository } from './notifications.repository';

interface Stream {
  userId: string;
  sessionId: string;
  response: Response;
  /** Ends the stream when the access token it was opened with expires. */
  expiryTimer?: NodeJS.Timeout;
  /** Highest durable id written to this stream; durable events at or below it are not sent again. */
  lastDurableId: number;
  /** Writes happen one after another (replay, gap fills and live events never interleave). */
  queue: Promise<void>;
  closed: boolean;
}

const REPLAY_PAGE = 500;

/**
 * The SSE streams held by this instance. Durable notifications are written in id order without gaps or
 * duplicates: a stream starts from Last-Event-ID (or the user's current id), replays what it missed from
 * the database, and whenever a live durable event skips ids (published by another instance out of order,
 * or lost while Redis was away) the missing ones are read from the database first.
 *
 * A stream lives as long as its access token: it ends with `auth:expired` when the token expires (there is no
 * in-band refresh on SSE: the client reconnects with a fresh token and Last-Event-ID), and with `auth:revoked`
 * when its session is revoked on any instance.
 */
@Injectable()
export class NotificationStreams implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(NotificationStreams.name);
  private readonly byUser = new Map<string, Set<Stream>>();
  private keepAlive?: NodeJS.Timeout;
  private count = 0;

  constructor(
    private readonly bus: NotificationBus,
    private readonly repository: NotificationsRepository,
    private readonly config: AppConfig,
    sessions: Sessions,
    metrics: Metrics,
  ) {
    metrics.countStreamsWith(() => this.count);
    sessions.onRevoked((revocation) => this.revoked(revocation));
  }

  get size(): number {
    return this.count;
  }

  onModuleInit(): void {
    // Subscriptions are renewed by the ChannelBus after an outage; durable notifications missed meanwhile
    // arrive with the next one (gap fill) or on the client's reconnect (Last-Event-ID).
    this.bus.onEvent((userId, event) => this.dispatch(userId, event));
    this.keepAlive = setInterval(() => this.writeToAll(': keep-alive\n\n'), this.config.sseKeepAliveMs);
    this.keepAlive.unref();
  }

  /**
   * Ends every stream at shutdown, before the HTTP server closes (it waits for open responses);
   * EventSource clients reconnect, to another instance, with Last-Event-ID.
   */
  beforeApplicationShutdown(): void {
    clearInterval(this.keepAlive);
    for (const streams of this.byUser.values()) for (const stream of streams) stream.response.end();
  }

  async open(caller: AuthUser, response: Response, lastEventId: number | undefined): Promise<void> {
    const userId = caller.id;
    response.status(200);
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    response.setHeader('Cache-Control', 'no-cache, no-transform');
    response.setHeader('Connection', 'keep-alive');
    response.setHeader('X-Accel-Buffering', 'no'); // nginx: do not buffer

    // Fix the starting point first: everything committed after it is either replayed or arrives live.
    const startId = lastEventId ?? (await this.repository.currentId(userId));
    const stream: Stream = { userId, sessionId: caller.sessionId, response, lastDurableId: startId, queue: Promise.resolve(), closed: false };
    response.on('close', () => this.close(stream));
    const expiredAt = new Date(caller.expiresAt).toISOString();
    stream.expiryTimer = setTimeout(() => this.end(stream, 'auth:expired', { reason: 'token_expired', expiredAt }), Math.max(0, caller.expiresAt - Date.now()));
    let streams = this.byUser.get(userId);
    if (!streams) {
      streams = new Set();
      this.byUser.set(userId, streams);
    }
    streams.add(stream);
    this.count += 1;
    // Listening before the client sees the stream open: nothing it causes afterwards can be missed.
    // (Idempotent, and ordered per user, so a second stream also waits for a subscription in progress.)
    await this.bus.watchUser(userId);
    if (stream.closed) return;
    response.flushHeaders();
    response.write('retry: 3000\n\n: connected\n\n');
    this.enqueue(stream, () => this.replay(stream));
  }

  private revoked(revocation: SessionRevocation): void {
    for (const stream of [...(this.byUser.get(revocation.userId) ?? [])]) {
      if (isRevoked(revocation, stream.userId, stream.sessionId)) this.end(stream, 'auth:revoked', { reason: revocation.reason });
    }
  }

  /** The reason as the stream's last event, then the end (after anything already queued for it). */
  private end<E extends 'auth:expired' | 'auth:revoked'>(stream: Stream, event: E, data: NotificationEventMap[E]): void {
    clearTimeout(stream.expiryTimer);
    this.write(stream, `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    stream.response.end();
    this.close(stream);
  }

  private close(stream: Stream): void {
    if (stream.closed) return;
    stream.closed = true;
    clearTimeout(stream.expiryTimer);
    this.count -= 1;
    const streams = this.byUser.get(stream.userId);
    streams?.delete(stream);
    if (streams?.size === 0) {
      this.byUser.delete(stream.userId);
      void this.bus.unwatchUser(stream.userId);
    }
  }

  private dispatch(userId: string | null, event: StreamEvent): void {
    const targets = userId === null ? [...this.byUser.values()].flatMap((set) => [...set]) : [...(this.byUser.get(userId) ?? [])];
    for (const stream of targets) this.enqueue(stream, () => this.deliver(stream, event));
  }

  private async deliver(stream: Stream, event: StreamEvent): Promise<void> {
    if (event.kind === 'live') {
      this.write(stream, `event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`);
      return;
    }
    const { id } = event.notification;
    if (id <= stream.lastDurableId) return;
    if (id === stream.lastDurableId + 1) this.writeDurable(stream, event.notification);
    else await this.replay(stream); // ids were skipped: they are committed, read them (this one included)
  }

  private async replay(stream: Stream): Promise<void> {
    for (;;) {
      const missed = await this.repository.findAfter(stream.userId, stream.lastDurableId, REPLAY_PAGE);
      for (const notification of missed) this.writeDurable(stream, notification);
      if (missed.length < REPLAY_PAGE || stream.closed) return;
    }
  }

  private writeDurable(stream: Stream, notification: DurableNotification): void {
    if (notification.id <= stream.lastDurableId) return;
    stream.lastDurableId = notification.id;
    this.write(stream, `id: ${notification.id}\nevent: ${notification.type}\ndata: ${JSON.stringify(notification.data)}\n\n`);
  }

  private enqueue(stream: Stream, work: () => Promise<void> | void): void {
    stream.queue = stream.queue
      .then(() => (stream.closed ? undefined : work()))
      .catch((error: unknown) => {
        this.logger.warn(`Stream of ${stream.userId} failed, closing it: ${String(error)}`);
        stream.response.end();
        this.close(stream);
      });
  }

  private write(stream: Stream, chunk: string): void {
    if (!stream.closed) stream.response.write(chunk);
  }

  private writeToAll(chunk: string): void {
    for (const streams of this.byUser.values()) for (const stream of streams) this.write(stream, chunk);
  }
}
