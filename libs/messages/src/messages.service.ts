import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ApiError, DomainEvents, SystemMessages, type AuthUser, type SystemNotice } from '@parley/common';
import { randomUUID } from 'node:crypto';
import type { Message, MessageChanges, MessagePage, MessagePageAround, MessageVersion, ReactionResult, Report, ReportStatus, RoomRole, User } from '@parley/contract';
import { normalizeEmoji } from './emoji';
import { AttachmentsService, INLINE_IMAGE_TYPES } from '@parley/attachments';
import { AuditLog } from '@parley/audit';
import { Metrics } from '@parley/metrics';
import { RoomsService } from '@parley/rooms';
import { UsersService } from '@parley/users';
import { MessagesRepository, type PageQuery } from './messages.repository';
import { ReportsRepository } from './reports.repository';
import { RoomWriter, type SendRequest } from './room-writer';
import { SendRouter } from './send-router';
import { systemText } from './system-text';

const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
/** How many different emoji one message can carry. */
export const MAX_DISTINCT_REACTIONS = 20;

/** Options of a send beyond its text. */
export interface SendOptions {
  clientMsgId?: string;
  /** Reply to this message of the same room. */
  replyTo?: string;
  /** Ids of the author's uploads to this room, not sent yet (contract §11); the content may then be empty. */
  attachments?: string[];
}

/** Most attachments one message carries. */
export const MAX_ATTACHMENTS_PER_MESSAGE = 10;

@Injectable()
export class MessagesService implements OnModuleInit {
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
    private readonly reports: ReportsRepository,
    private readonly audit: AuditLog,
    private readonly systemMessages: SystemMessages,
    private readonly attachments: AttachmentsService,
  ) {}

  onModuleInit(): void {
    this.systemMessages.attach((notice) => this.recordSystem(notice));
  }

  /**
   * A committed membership or room change, as a system message through the one send pipeline: the room's
   * writer numbers it in the room's seq and announces it like any message. Its clientMsgId is made here, so a
   * send retried by another instance (its writer went silent) is stored once; the rate limit never applies.
   */
  private async recordSystem(notice: SystemNotice): Promise<void> {
    const pending = this.router.send({
      roomId: notice.roomId,
      author: notice.actor,
      content: systemText(notice),
      clientMsgId: `sys:${randomUUID()}`,
      type: 'system',
      event: notice.event,
    });
    this.inFlight.add(pending);
    try {
      await pending;
    } finally {
      this.inFlight.delete(pending);
    }
  }

  /** A send over REST: the author's profile (carried in the message) is read first. */
  async sendAs(caller: AuthUser, roomId: string, content: string, options: SendOptions = {}): Promise<Message> {
    return this.send(await this.users.getById(caller.id), roomId, content, options);
  }

  /**
   * The one send pipeline (REST and sockets): to the room's writer (here or on another instance), which
   * rate-limits, checks membership and idempotency and stores it with the next seq, then announces it.
   * Resolves only after the commit. A retried clientMsgId returns the stored message and stores nothing.
   */
  send(author: User, roomId: string, content: string, options: SendOptions = {}): Promise<Message> {
    const stopTimer = this.metrics.sendDuration.startTimer({ stage: 'commit' });
    const pending = this.deliver(author, roomId, content, options);
    this.inFlight.add(pending);
    const forget = (): void => void this.inFlight.delete(pending);
    pending.then(() => {
      stopTimer();
      forget();
    }, forget);
    return pending;
  }

  private async deliver(author: User, roomId: string, content: string, options: SendOptions): Promise<Message> {
    const clientMsgId = options.clientMsgId ?? null;
    const request: SendRequest = { roomId, author, content, clientMsgId };
    if (options.replyTo !== undefined) request.replyTo = options.replyTo;
    if (options.attachments !== undefined && options.attachments.length > 0) {
      // Checked here for a clear answer; the send statement claims them (a second send of one fails there).
      const files = await this.attachments.findForSend(author.id, roomId, options.attachments);
      request.attachments = files;
      request.type = files.every((file) => INLINE_IMAGE_TYPES.has(file.contentType)) ? 'image' : 'file';
    }
    const outcome = await this.router.send(request);
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
      case 'muted':
        throw ApiError.forbidden('You are muted in this room');
      case 'unquotable':
        // Membership comes first: a non-member learns nothing about the room's messages.
        await this.rooms.requireAccess(author.id, roomId, 'member');
        throw new ApiError('not_found', 'The message replied to is not a message of this room, or was deleted', { replyTo: ['no such message in this room'] });
      case 'unattachable':
        throw ApiError.notFound('Attachment');
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

  async history(userId: string, roomId: string, query: Partial<PageQuery> & { around?: number }): Promise<MessagePage | MessagePageAround> {
    const { around, ...page } = query;
    if (around !== undefined && (page.before !== undefined || page.after !== undefined)) {
      throw ApiError.validation('Invalid query: around cannot be combined with before or after', { around: ['around cannot be combined with before or after'] });
    }
    await this.rooms.requireAccess(userId, roomId, 'view');
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    if (around !== undefined) return this.withReactions(await this.pageAround(roomId, around, limit), userId);
    return this.withReactions(await this.repository.findPage(roomId, { ...page, limit }), userId);
  }

  /**
   * `limit` messages centred on `seq` (a search hit): about half before it, the rest from it on, a short side
   * filled from the other. `hasMore` is `hasMoreBefore` (older ones exist, as on the newest page).
   */
  private async pageAround(roomId: string, seq: number, limit: number): Promise<MessagePageAround> {
    const { older, newer } = await this.repository.findAround(roomId, seq, limit);
    const olderTaken = Math.min(older.length, Math.max(Math.floor((limit - 1) / 2), limit - newer.length));
    const newerTaken = Math.min(newer.length, limit - olderTaken);
    const hasMoreBefore = older.length > olderTaken;
    return {
      messages: [...older.slice(0, olderTaken).reverse(), ...newer.slice(0, newerTaken)],
      hasMore: hasMoreBefore,
      hasMoreBefore,
      hasMoreAfter: newer.length > newerTaken,
    };
  }

  /**
   * The newest `limit` messages up to `lastSeq` (the seq live delivery starts after), oldest first, with their
   * reactions as `viewerId` sees them; `hasMore`: older ones exist. The caller has checked access.
   */
  async latest(roomId: string, lastSeq: number, limit: number, viewerId: string): Promise<MessagePage> {
    return this.withReactions(await this.repository.findPage(roomId, { before: lastSeq + 1, limit }), viewerId);
  }

  /**
   * Messages after `sinceSeq`, oldest first, at most MAX_PAGE_SIZE; with their reactions when read for one
   * viewer (not for a gap fill delivered to every subscriber). The caller has checked access.
   */
  async catchUp(roomId: string, sinceSeq: number, viewerId?: string): Promise<MessagePage> {
    const page = await this.repository.findPage(roomId, { after: sinceSeq, limit: MAX_PAGE_SIZE });
    return viewerId === undefined ? page : this.withReactions(page, viewerId);
  }

  /**
   * A page of the thread started by `messageId` (flat: every reply to it or to one of its replies), oldest
   * first, with reactions for the caller; same access as history. `before`/`after` are seqs of the room.
   */
  async replies(userId: string, roomId: string, messageId: string, query: Partial<PageQuery>): Promise<MessagePage> {
    await this.rooms.requireAccess(userId, roomId, 'view');
    const root = await this.repository.findById(messageId);
    if (!root || root.roomId !== roomId) throw ApiError.notFound('Message');
    const page = await this.repository.findThreadPage(messageId, { ...query, limit: query.limit ?? DEFAULT_PAGE_SIZE });
    return this.withReactions(page, userId);
  }

  /** Messages of the room changed after `sinceVersion` (REST), in their current state for the viewer. */
  async changes(userId: string, roomId: string, sinceVersion: number, limit = MAX_PAGE_SIZE): Promise<MessageChanges> {
    await this.rooms.requireAccess(userId, roomId, 'view');
    const changes = await this.repository.findChanges(roomId, sinceVersion, Number.MAX_SAFE_INTEGER, limit);
    return { ...changes, messages: (await this.withReactions({ messages: changes.messages, hasMore: changes.hasMore }, userId)).messages };
  }

  /**
   * For a re-join: the messages up to `maxSeq` changed after `sinceVersion` (later ones come as new ones), at
   * most MAX_PAGE_SIZE. The caller has checked access.
   */
  async changesUpTo(roomId: string, sinceVersion: number, maxSeq: number, viewerId: string): Promise<MessageChanges> {
    const changes = await this.repository.findChanges(roomId, sinceVersion, maxSeq, MAX_PAGE_SIZE);
    return { ...changes, messages: (await this.withReactions({ messages: changes.messages, hasMore: changes.hasMore }, viewerId)).messages };
  }

  /** The room's change version now: where a client starts following changes. */
  changeVersion(roomId: string): Promise<number> {
    return this.repository.findChangeVersion(roomId);
  }

  private async withReactions<P extends MessagePage>(page: P, viewerId: string): Promise<P> {
    const reactions = await this.repository.findReactions(
      page.messages.map((message) => message.id),
      viewerId,
    );
    return { ...page, messages: page.messages.map((message) => ({ ...message, reactions: reactions.get(message.id) ?? [] })) };
  }

  /**
   * Puts the user's emoji on a message or takes it off (`on` undefined: toggles). Members who may post (a
   * muted member may not react either); at most MAX_DISTINCT_REACTIONS different emoji per message.
   */
  async react(user: User, messageId: string, emojiInput: string, on: boolean | undefined, expectedRoomId?: string): Promise<ReactionResult> {
    const emoji = normalizeEmoji(emojiInput);
    if (emoji === null) throw ApiError.validation('emoji must be one emoji, or a :shortcode: from the list in the contract');
    const message = await this.findAccessible(user.id, messageId, expectedRoomId);
    await this.rooms.requireAccess(user.id, message.roomId, 'post');
    const outcome = await this.repository.react(message.roomId, messageId, user.id, emoji, on, MAX_DISTINCT_REACTIONS);
    switch (outcome) {
      case 'missing':
        throw ApiError.notFound('Message');
      case 'deleted':
        throw ApiError.conflict('A deleted message cannot get reactions');
      case 'full':
        throw ApiError.conflict(`A message can carry at most ${MAX_DISTINCT_REACTIONS} different emoji`);
      default:
        break;
    }
    const reactions = (await this.repository.findReactions([messageId], user.id)).get(messageId) ?? [];
    if (outcome.changed) {
      this.events.emit('message.reactions', {
        roomId: message.roomId,
        messageId,
        emoji,
        user,
        added: outcome.on,
        reactions: reactions.map(({ emoji: e, count }) => ({ emoji: e, count })),
      });
    }
    return { messageId, emoji, on: outcome.on, reactions };
  }

  async edit(userId: string, messageId: string, content: string, expectedRoomId?: string): Promise<Message> {
    const message = await this.findAccessible(userId, messageId, expectedRoomId);
    if (message.type === 'system') throw ApiError.forbidden('System messages cannot be edited');
    if (message.author.id !== userId) throw ApiError.forbidden('Only the author can edit a message');
    if (message.deletedAt !== null) throw ApiError.conflict('A deleted message cannot be edited');
    // Its files stay: a message with attachments may lose its caption, any other needs text.
    if (content === '' && !message.attachments?.length) {
      throw ApiError.validation('content must be 1 to 5000 characters (it may be empty only with attachments)', { content: ['must not be empty without attachments'] });
    }
    // A muted member could otherwise post by rewriting an old message.
    await this.rooms.requireAccess(userId, message.roomId, 'post');
    const updated = await this.repository.updateContent(messageId, content);
    if (!updated) throw ApiError.conflict('A deleted message cannot be edited');
    this.events.emit('message.updated', { message: updated });
    return updated;
  }

  /** The texts a message had before its edits, oldest first: for the room's members. */
  async versions(userId: string, messageId: string, expectedRoomId: string): Promise<MessageVersion[]> {
    await this.findAccessible(userId, messageId, expectedRoomId);
    return this.repository.findVersions(messageId);
  }

  /** The author, or a moderator of the room (owner, admin, moderator), whose deletion is audited. */
  async delete(userId: string, messageId: string, expectedRoomId?: string): Promise<void> {
    const message = await this.findAccessible(userId, messageId, expectedRoomId);
    // The room's record of what happened: its "author" (who did it) does not get to take it back.
    if (message.type === 'system') throw ApiError.forbidden('System messages cannot be deleted');
    let moderatorRole: RoomRole | null = null;
    if (message.author.id !== userId) {
      try {
        moderatorRole = (await this.rooms.requireAccess(userId, message.roomId, 'moderate')).role;
      } catch (error) {
        if (error instanceof ApiError && error.code === 'forbidden') throw ApiError.forbidden('Only the author, the room owner, an admin or a moderator can delete');
        throw error;
      }
    }
    await this.remove(message, userId, moderatorRole === null ? null : { role: moderatorRole });
  }

  /** Soft-deletes and tells the room; a deletion by anyone but the author is audited in the same transaction. */
  private async remove(message: Message, actorId: string, moderation: Record<string, unknown> | null): Promise<void> {
    const deleted = await this.repository.transaction(async (manager) => {
      const done = await this.repository.softDelete(message.id, manager);
      if (done && moderation !== null) {
        await this.audit.record(
          {
            actorId,
            action: 'message.deleted',
            roomId: message.roomId,
            targetUserId: message.author.id,
            messageId: message.id,
            details: { ...moderation, seq: message.seq, excerpt: message.content.slice(0, 200) },
          },
          manager,
        );
      }
      return done;
    });
    if (deleted) this.events.emit('message.deleted', { roomId: message.roomId, id: message.id, seq: message.seq });
  }

  /** A member reports a message of their room to the site admins (once per message; a repeat returns the first). */
  async report(userId: string, roomId: string, messageId: string, reason: string): Promise<Report> {
    const message = await this.findAccessible(userId, messageId, roomId);
    if (message.author.id === userId) throw ApiError.forbidden('You cannot report your own message');
    if (message.deletedAt !== null) throw ApiError.conflict('The message was deleted');
    return this.reports.insert(roomId, messageId, userId, reason);
  }

  /** The site admins' queue (the caller is checked by the admin guard). */
  listReports(status: ReportStatus | null, before: number | null, limit: number): Promise<Report[]> {
    return this.reports.page(status, before, limit);
  }

  /** Closes a report, deleting the message when it is actioned with `deleteMessage`; both audited. */
  async resolveReport(adminId: string, reportId: number, resolution: Exclude<ReportStatus, 'open'>, deleteMessage: boolean): Promise<Report> {
    const report = await this.reports.findById(reportId);
    if (!report) throw ApiError.notFound('Report');
    const resolved = await this.repository.transaction(async (manager) => {
      if (!(await this.reports.resolve(manager, reportId, resolution, adminId))) return false;
      await this.audit.record(
        { actorId: adminId, action: 'report.resolved', roomId: report.roomId, targetUserId: report.message.author.id, messageId: report.message.id, details: { reportId, resolution } },
        manager,
      );
      return true;
    });
    if (!resolved) throw ApiError.conflict('The report was resolved already');
    if (resolution === 'actioned' && deleteMessage) {
      const message = await this.repository.findById(report.message.id);
      if (message && message.deletedAt === null) await this.remove(message, adminId, { role: 'site-admin', reportId });
    }
    return (await this.reports.findById(reportId)) as Report;
  }

  /** A message is visible exactly when its room is; a mismatched room in the path is a 404 too. */
  private async findAccessible(userId: string, messageId: string, expectedRoomId?: string): Promise<Message> {
    const message = await this.repository.findById(messageId);
    if (!message || (expectedRoomId !== undefined && message.roomId !== expectedRoomId)) {
      if (expectedRoomId !== undefined) await this.rooms.requireAccess(userId, expectedRoomId, 'view');
      throw ApiError.notFound('Message');
    }
    try {
      await this.rooms.requireAccess(userId, message.roomId, 'member');
    } catch (error) {
      // Asked by message id alone, an invisible room must not tell an existing message from a made-up id.
      if (expectedRoomId === undefined && error instanceof ApiError && error.code === 'not_found') throw ApiError.notFound('Message');
      throw error;
    }
    return message;
  }
}
