import { Injectable } from '@nestjs/common';
import { ApiError, DomainEvents, type AuthUser } from '@parley/common';
import type { Message, MessagePage, User } from '@parley/contract';
import { Metrics } from '@parley/metrics';
import { RoomsService } from '@parley/rooms';
import { UsersService } from '@parley/users';
import { MessagesRepository, type PageQuery } from './messages.repository';
import { RoomWriter } from './room-writer';
import { SendRouter } from './send-router';

const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

@Injectable()
export class MessagesService {
  /** Sends between receipt and answer; shutdown waits for them so every accepted send is acked. */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly repository: MessagesRepository,
    private readonly router: SendRouter,
    private readonly writer: RoomWriter,
    private readonly rooms: RoomsService,
    private readonly users: UsersService,
    private readonly events: DomainEvents,
    private readonly metrics: Metrics,
  ) {}

  /** A send over REST: the author's profile (carried in the message) is read first. */
  async sendAs(caller: AuthUser, roomId: string, content: string, clientMsgId?: string): Promise<Message> {
    return this.send(await this.users.getById(caller.id), roomId, content, clientMsgId);
  }

  /**
   * The one send pipeline (REST and sockets): to the room's writer (here or on another instance), which
   * rate-limits, checks membership and idempotency and stores it with the next seq, then announces it.
   * Resolves only after the commit. A retried clientMsgId returns the stored message and stores nothing.
   */
  send(author: User, roomId: string, content: string, clientMsgId?: string): Promise<Message> {
    const stopTimer = this.metrics.sendDuration.startTimer({ stage: 'commit' });
    const pending = this.deliver(author, roomId, content, clientMsgId ?? null);
    this.inFlight.add(pending);
    const forget = (): void => void this.inFlight.delete(pending);
    pending.then(() => {
      stopTimer();
      forget();
    }, forget);
    return pending;
  }

  private async deliver(author: User, roomId: string, content: string, clientMsgId: string | null): Promise<Message> {
    const outcome = await this.router.send({ roomId, author, content, clientMsgId });
    switch (outcome.kind) {
      case 'stored':
        return outcome.message;
      case 'rate-limited':
        throw ApiError.rateLimited(Math.ceil(outcome.retryAfterMs / 1000));
      case 'refused':
        // Not a member, or no such room: the full access check tells not_found (private room, or none) from
        // forbidden (public room, not joined); access being fine by now, "retry".
        await this.rooms.requireAccess(author.id, roomId, 'member');
        throw ApiError.unavailable('Membership changed while sending; please retry');
      case 'duplicate': {
        // A retry of a stored clientMsgId: the stored message is the answer.
        const existing = clientMsgId === null ? null : await this.repository.findByClientMsgId(roomId, author.id, clientMsgId);
        if (!existing) throw ApiError.internal();
        return existing;
      }
      case 'elsewhere':
        throw ApiError.unavailable("The room's writer could not be reached; please retry");
    }
  }

  /**
   * Shutdown, bounded: waits for this instance's accepted sends to be answered, then for the writer to store
   * what other instances forwarded here and give up its rooms.
   */
  async drain(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    const drained = (async (): Promise<void> => {
      await Promise.allSettled([...this.inFlight]);
      await this.writer.stop();
    })();
    await Promise.race([drained, timeout]);
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
