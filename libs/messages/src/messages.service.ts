import { Injectable } from '@nestjs/common';
import { ApiError, DomainEvents, RateLimitStore, type AuthUser } from '@parley/common';
import { AppConfig } from '@parley/config';
import type { Message, MessagePage } from '@parley/contract';
import { Metrics } from '@parley/metrics';
import { RoomsService } from '@parley/rooms';
import { MessagesRepository, SEND_POOL_SIZE, type InsertResult, type NewMessage, type PageQuery } from './messages.repository';
import { SendBatcher, type SendBatcherOptions } from './send-batcher';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** What a send's batch did with it: stored, a duplicate, refused by the insert, or refused by the rate limit. */
type SendOutcome = InsertResult | { rateLimitedForMs: number };

const isRateLimited = (outcome: SendOutcome): outcome is { rateLimitedForMs: number } => typeof outcome === 'object' && 'rateLimitedForMs' in outcome;

/**
 * Group commit of sends. Batches of up to 256 keep one statement's arrays and result small; one batch in
 * flight per connection of the send pool (few batches in flight make them bigger: fewer statements and
 * commits per message); with more than one, 2 ms bounds how long a send waits behind a slow batch before
 * another starts.
 */
export const SEND_BATCHING: SendBatcherOptions = { maxBatch: 256, maxWaitMs: 2, maxConcurrentBatches: SEND_POOL_SIZE };

@Injectable()
export class MessagesService {
  /** Sends between receipt and commit; shutdown waits for them so every accepted send is acked. */
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Concurrent sends, from any rooms, share one statement (each still resolves only after its commit). */
  private readonly batcher: SendBatcher<NewMessage, SendOutcome>;

  constructor(
    private readonly repository: MessagesRepository,
    private readonly rooms: RoomsService,
    private readonly rateLimits: RateLimitStore,
    private readonly events: DomainEvents,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    this.batcher = new SendBatcher((items) => this.writeBatch(items), SEND_BATCHING);
  }

  /**
   * A batch's sends are rate-limited together, in order, right before its statement: one Redis call for the
   * batch (the hits of one turn share a call), where each send made its own call on arrival before. The
   * refused ones are answered without being written. At 1000 msg/s (three sends a batch) this took 15 points
   * of the two cores' CPU, across the instances, PostgreSQL and Redis.
   */
  private async writeBatch(items: readonly NewMessage[]): Promise<Array<PromiseSettledResult<SendOutcome>>> {
    this.metrics.sendBatchSize.observe(items.length);
    const { sendRateLimit, sendRateWindowMs } = this.config;
    const limits = await Promise.all(items.map((item) => this.rateLimits.hit(`send:${item.authorId}`, sendRateLimit, sendRateWindowMs)));
    const allowed = items.filter((_, i) => limits[i]?.allowed === true);
    const stored = allowed.length > 0 ? await this.repository.insertBatch(allowed) : [];
    let next = 0;
    return limits.map((limit): PromiseSettledResult<SendOutcome> => {
      if (!limit.allowed) return { status: 'fulfilled', value: { rateLimitedForMs: limit.retryAfterMs } };
      const result = stored[next++];
      if (!result) throw new Error('insertBatch returned fewer results than items');
      return result;
    });
  }

  /**
   * The one send pipeline (REST and sockets): batch, rate limit, persist with the next seq (the insert checks access), then publish.
   * Resolves only after the commit. A retried clientMsgId returns the stored message and stores nothing.
   */
  send(author: AuthUser, roomId: string, content: string, clientMsgId?: string): Promise<Message> {
    const stopTimer = this.metrics.sendDuration.startTimer({ stage: 'commit' });
    const pending = this.persist(author, roomId, content, clientMsgId ?? null);
    pending.then(() => stopTimer(), () => undefined);
    this.inFlight.add(pending);
    const forget = (): void => void this.inFlight.delete(pending);
    pending.then(forget, forget);
    return pending;
  }

  private async persist(author: AuthUser, roomId: string, content: string, clientMsgId: string | null): Promise<Message> {
    // The rate limit is applied in the batch. Membership is checked by the insert itself; only a refusal pays
    // for the full access check, which tells not_found (private room, or none) from forbidden (public room,
    // not joined).
    const stored = await this.batcher.submit({ roomId, authorId: author.id, content, clientMsgId });
    if (isRateLimited(stored)) throw ApiError.rateLimited(Math.ceil(stored.rateLimitedForMs / 1000));
    if (stored === 'refused') return this.notStored(author.id, roomId, 'Membership changed while sending');
    if (stored === 'duplicate') {
      // A retry (or a concurrent duplicate) of a stored clientMsgId: return the stored message.
      if (clientMsgId === null) throw ApiError.internal();
      const existing = await this.repository.findByClientMsgId(roomId, author.id, clientMsgId);
      if (existing) return existing;
      // Its twin earlier in the same batch was not stored after all (the room was deleted before its lock):
      // answered as that twin was.
      return this.notStored(author.id, roomId, 'The message was not stored');
    }
    const { message, memberIds } = stored;
    // The batcher settles a batch's items in input order, and this runs right after, so a room's events go
    // out in seq order within a batch (across batches the broadcaster orders by seq).
    this.metrics.messagesPersisted.inc();
    this.events.emit('message.created', { message, memberIds });
    return message;
  }

  /**
   * A send the batch did not store: answered with what the full access check finds (not_found for a private
   * or vanished room, forbidden for a public one not joined), else, access being fine by now, "retry".
   */
  private async notStored(authorId: string, roomId: string, reason: string): Promise<never> {
    await this.rooms.requireAccess(authorId, roomId, 'member');
    throw ApiError.unavailable(`${reason}; please retry`);
  }

  /** Waits (bounded) for sends that were accepted but not yet committed. */
  async drain(timeoutMs: number): Promise<void> {
    if (this.inFlight.size === 0) return;
    const settled = Promise.allSettled([...this.inFlight]);
    // Queued sends go out now rather than after their wait; sends still before the batcher queue their own.
    void this.batcher.flush();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([settled, timeout]);
    clearTimeout(timer);
  }

  async history(userId: string, roomId: string, query: Partial<PageQuery>): Promise<MessagePage> {
    await this.rooms.requireAccess(userId, roomId, 'view');
    return this.repository.findPage(roomId, { ...query, limit: query.limit ?? DEFAULT_PAGE_SIZE });
  }

  /** Messages after `sinceSeq`, oldest first, at most MAX_PAGE_SIZE. The caller has checked access. */
  catchUp(roomId: string, sinceSeq: number): Promise<MessagePage> {
    return this.repository.findPage(roomId, { after: sinceSeq, limit: MAX_PAGE_SIZE });
  }

  async edit(userId: string, messageId: string, content: string, expectedRoomId?: string): Promise<Message> {
    const message = await this.findAccessible(userId, messageId, expectedRoomId);
    if (message.author.id !== userId) throw ApiError.forbidden('Only the author can edit a message');
    if (message.deletedAt !== null) throw ApiError.conflict('A deleted message cannot be edited');
    const updated = await this.repository.updateContent(messageId, content);
    if (!updated) throw ApiError.conflict('A deleted message cannot be edited');
    this.events.emit('message.updated', { message: updated });
    return updated;
  }

  async delete(userId: string, messageId: string, expectedRoomId?: string): Promise<void> {
    const message = await this.findAccessible(userId, messageId, expectedRoomId);
    if (message.author.id !== userId) {
      const { role } = await this.rooms.requireAccess(userId, message.roomId, 'member');
      if (role !== 'owner' && role !== 'admin') throw ApiError.forbidden('Only the author, the room owner or an admin can delete');
    }
    if (await this.repository.softDelete(messageId)) {
      this.events.emit('message.deleted', { roomId: message.roomId, id: message.id, seq: message.seq });
    }
  }

  /** A message is visible exactly when its room is; a mismatched room in the path is a 404 too. */
  private async findAccessible(userId: string, messageId: string, expectedRoomId?: string): Promise<Message> {
    const message = await this.repository.findById(messageId);
    if (!message || (expectedRoomId !== undefined && message.roomId !== expectedRoomId)) {
      if (expectedRoomId !== undefined) await this.rooms.requireAccess(userId, expectedRoomId, 'view');
      throw ApiError.notFound('Message');
    }
    await this.rooms.requireAccess(userId, message.roomId, 'member');
    return message;
  }
}
