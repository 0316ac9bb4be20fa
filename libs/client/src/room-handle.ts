import type {
  Ack,
  ClientToServerEvents,
  AuditPage,
  MemberEvent,
  MemberMuteEvent,
  MemberUpdatedEvent,
  Member,
  Message,
  MessageDeletedEvent,
  MessagePage,
  MessageReactionsEvent,
  MessageRepliesEvent,
  MessageUnpinnedEvent,
  MessageVersion,
  Pin,
  ReactionResult,
  PresenceEvent,
  ReceiptEvent,
  Report,
  Room,
  RoomJoinResult,
  RoomRole,
  Sanction,
  SanctionKind,
  TypingEvent,
} from '@parley/contract';
import { Emitter } from './emitter';
import type { AuditQuery, RestApi, SanctionInput } from './http';
import { RoomFeed } from './room-feed';

export interface RoomEvents {
  /** Every committed message exactly once, in seq order (live, catch-up and gap fills merged). */
  message: Message;
  /** A message was edited; also, after a re-join, each message changed while away (edited, deleted, reactions). */
  updated: Message;
  deleted: MessageDeletedEvent;
  /** Someone put an emoji on a message or took it off (merge with `mergeReactions`). */
  reactions: MessageReactionsEvent;
  /** A thread got a reply: its root's new `replyCount` (keep the highest: `mergeReplyCount`). */
  replies: MessageRepliesEvent;
  /** The owner or an admin pinned a message. */
  pinned: Pin;
  /** A message was unpinned (a deleted message's pin goes with `deleted` only). */
  unpinned: MessageUnpinnedEvent;
  presence: PresenceEvent;
  typing: TypingEvent;
  receipt: ReceiptEvent;
  memberJoined: MemberEvent;
  memberLeft: MemberEvent;
  /** A member was muted (`until` null: for good); they cannot send until it ends. Also for yourself. */
  memberMuted: MemberMuteEvent;
  /** A mute was lifted before its end (a mute that runs out ends silently). */
  memberUnmuted: MemberMuteEvent;
  /** A member's role changed. */
  memberUpdated: MemberUpdatedEvent;
  /** Room-wide fields changed (name, description, member count…); per-viewer fields are null in it. */
  roomUpdated: Room;
  /** The room was deleted, or the user was removed from it: the handle is closed. */
  closed: { reason: 'deleted' | 'removed' };
}

/** What a room handle needs from the client (kept narrow for testing). */
export interface RoomTransport {
  emit<E extends keyof ClientToServerEvents>(event: E, payload: Parameters<ClientToServerEvents[E]>[0]): Promise<AckData<E>>;
  readonly rest: RestApi;
  isConnected(): boolean;
  /** Resolves when the socket is connected (again). */
  whenConnected(): Promise<void>;
}

type AckData<E extends keyof ClientToServerEvents> = Parameters<ClientToServerEvents[E]>[1] extends (response: Ack<infer T>) => void ? T : never;

let clientMsgCounter = 0;
function newClientMsgId(): string {
  clientMsgCounter = (clientMsgCounter + 1) % 1_000_000;
  return `sdk-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}-${clientMsgCounter}`;
}

/**
 * One joined room. Merges live `message:new`, `room:join` catch-up, acks of own sends and REST pages into
 * one exactly-once, in-order stream (RoomFeed). A hole that live traffic does not fill within `gapWaitMs`
 * is fetched over REST; after a reconnect the room is re-joined with `sinceSeq`.
 */
export class RoomHandle extends Emitter<RoomEvents> {
  readonly feed = new RoomFeed();
  room?: Room;
  private joined = false;
  private initialised = false;
  private closed = false;
  private beforeJoin: Message[] = [];
  private gapTimer?: ReturnType<typeof setTimeout>;
  private filling = false;
  /** Lowest seq the application has (for loading older history). */
  private oldestSeq?: number;
  /** The room's change version this handle has caught up to (sent as `sinceVersion` when it re-joins). */
  private changeVersion?: number;
  /** The page a first join brought (join({ prefetch })), handed out by the next loadOlder(). */
  private prefetched: { messages: Message[]; hasMore: boolean } | null = null;

  constructor(
    readonly roomId: string,
    private readonly transport: RoomTransport,
    private readonly gapWaitMs: number,
  ) {
    super();
  }

  get lastSeq(): number {
    return this.feed.lastSeq;
  }

  /**
   * Subscribes (joining a public room as a member if needed). The first join starts live delivery after the
   * room's current lastSeq; load earlier messages with `loadOlder()`. With `prefetch`, the first join also
   * brings the newest `prefetch` (1–200) messages in the same round trip, and the first `loadOlder()` returns
   * them without asking the server. Later joins (reconnects) catch up.
   */
  async join(options: { prefetch?: number } = {}): Promise<Room> {
    // Called before the socket's first connect (e.g. right after a page load): wait for it.
    if (!this.transport.isConnected()) await this.transport.whenConnected();
    const first = !this.initialised;
    const payload = !first
      ? { roomId: this.roomId, sinceSeq: this.feed.lastSeq, ...(this.changeVersion === undefined ? {} : { sinceVersion: this.changeVersion }) }
      : options.prefetch === undefined
        ? { roomId: this.roomId }
        : { roomId: this.roomId, limit: options.prefetch };
    const result: RoomJoinResult = await this.transport.emit('room:join', payload);
    this.room = result.room;
    if (first) {
      this.initialised = true;
      this.changeVersion = result.changeVersion;
      this.feed.lastSeq = result.room.lastSeq;
      this.oldestSeq = result.room.lastSeq + 1;
      // History before the live stream, not missed messages: kept for loadOlder().
      if (options.prefetch !== undefined) this.prefetched = { messages: result.messages, hasMore: result.hasMore };
      this.joined = true;
      this.deliver(this.beforeJoin.splice(0));
      return result.room;
    }
    this.joined = true;
    this.deliver([...result.messages, ...this.beforeJoin.splice(0)]);
    if (result.hasMore) await this.fillGap();
    await this.applyChanges(result);
    return result.room;
  }

  /** Tells the application about messages changed while away, paging over REST when one answer was not enough. */
  private async applyChanges(result: RoomJoinResult): Promise<void> {
    let page = { messages: result.changes ?? [], hasMore: result.hasMoreChanges ?? false, changeVersion: result.changeVersion };
    for (;;) {
      for (const message of page.messages) {
        this.emit('updated', message);
        if (message.deletedAt) this.emit('deleted', { roomId: message.roomId, id: message.id, seq: message.seq });
      }
      this.changeVersion = page.changeVersion;
      if (!page.hasMore) return;
      page = await this.transport.rest.messages.changes(this.roomId, page.changeVersion);
    }
  }

  /** Older messages than any delivered so far (newest page before them), oldest first. Not sent to `message`. */
  async loadOlder(limit = 50): Promise<{ messages: Message[]; hasMore: boolean }> {
    const prefetched = this.prefetched;
    if (prefetched) {
      this.prefetched = null;
      if (prefetched.messages[0]) this.oldestSeq = prefetched.messages[0].seq;
      return prefetched;
    }
    const before = this.oldestSeq ?? this.feed.lastSeq + 1;
    if (before <= 1) return { messages: [], hasMore: false };
    const page = await this.transport.rest.messages.page(this.roomId, { before, limit });
    if (page.messages[0]) this.oldestSeq = page.messages[0].seq;
    return page;
  }

  /** Sends with an idempotency key; retries the same key across reconnects, so it is stored exactly once. */
  async send(content: string, options: { clientMsgId?: string; attempts?: number; replyTo?: string; attachments?: string[] } = {}): Promise<Message> {
    const clientMsgId = options.clientMsgId ?? newClientMsgId();
    const attempts = options.attempts ?? 5;
    const payload = {
      roomId: this.roomId,
      content,
      clientMsgId,
      ...(options.replyTo === undefined ? {} : { replyTo: options.replyTo }),
      ...(options.attachments?.length ? { attachments: options.attachments } : {}),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        const message = await this.transport.emit('message:send', payload);
        this.deliver([message]);
        return message;
      } catch (error) {
        const retryable = (error as { code?: string }).code === 'network' || (error as { code?: string }).code === 'unavailable';
        if (!retryable || attempt >= attempts) throw error;
        await this.transport.whenConnected();
      }
    }
  }

  edit(messageId: string, content: string): Promise<Message> {
    return this.transport.emit('message:edit', { messageId, content });
  }

  async remove(messageId: string): Promise<void> {
    await this.transport.emit('message:delete', { messageId });
  }

  /** Puts an emoji on a message or takes it off (`on` given: sets it either way; absent: toggles). */
  react(messageId: string, emoji: string, on?: boolean): Promise<ReactionResult> {
    return this.transport.emit('reaction:toggle', on === undefined ? { messageId, emoji } : { messageId, emoji, on });
  }

  /** A page of the thread `messageId` starts, oldest first (REST; default: its newest replies). */
  replies(messageId: string, options: { before?: number; after?: number; limit?: number } = {}): Promise<MessagePage> {
    return this.transport.rest.messages.replies(this.roomId, messageId, options);
  }

  /** The texts a message had before its edits, oldest first (REST). */
  edits(messageId: string): Promise<MessageVersion[]> {
    return this.transport.rest.messages.edits(this.roomId, messageId);
  }

  // ---- pins (REST; the owner and admins pin and unpin) ----------------------------------------------------

  pins(): Promise<Pin[]> {
    return this.transport.rest.rooms.pins(this.roomId);
  }

  pin(messageId: string): Promise<Pin> {
    return this.transport.rest.rooms.pin(this.roomId, messageId);
  }

  unpin(messageId: string): Promise<void> {
    return this.transport.rest.rooms.unpin(this.roomId, messageId);
  }

  // ---- moderation (REST; the server checks ranks: an actor acts only on members of lower rank) ----------

  /** Reports a message to the site admins; a repeat returns the first report. */
  report(messageId: string, reason: string): Promise<Report> {
    return this.transport.rest.messages.report(this.roomId, messageId, reason);
  }

  mute(userId: string, input: SanctionInput = {}): Promise<Sanction> {
    return this.transport.rest.rooms.mute(this.roomId, userId, input);
  }

  unmute(userId: string): Promise<void> {
    return this.transport.rest.rooms.unmute(this.roomId, userId);
  }

  ban(userId: string, input: SanctionInput = {}): Promise<Sanction> {
    return this.transport.rest.rooms.ban(this.roomId, userId, input);
  }

  unban(userId: string): Promise<void> {
    return this.transport.rest.rooms.unban(this.roomId, userId);
  }

  kick(userId: string): Promise<void> {
    return this.transport.rest.rooms.kick(this.roomId, userId);
  }

  setRole(userId: string, role: Exclude<RoomRole, 'owner'>): Promise<Member> {
    return this.transport.rest.rooms.setRole(this.roomId, userId, role);
  }

  sanctions(kind?: SanctionKind): Promise<Sanction[]> {
    return this.transport.rest.rooms.sanctions(this.roomId, kind);
  }

  audit(query: AuditQuery = {}): Promise<AuditPage> {
    return this.transport.rest.rooms.audit(this.roomId, query);
  }

  async setTyping(isTyping: boolean): Promise<void> {
    await this.transport.emit('typing', { roomId: this.roomId, isTyping });
  }

  /** Moves the read marker (never back); defaults to everything delivered. */
  async markRead(seq = this.feed.lastSeq): Promise<void> {
    await this.transport.emit('message:read', { roomId: this.roomId, seq });
  }

  /**
   * Unsubscribes this connection (membership stays; use the REST API to leave the room). A later `join()`
   * catches up from where this handle stopped, so a view kept open in the background misses nothing.
   */
  async unsubscribe(): Promise<void> {
    this.joined = false;
    clearTimeout(this.gapTimer);
    this.gapTimer = undefined;
    if (this.transport.isConnected()) await this.transport.emit('room:leave', { roomId: this.roomId });
  }

  get isJoined(): boolean {
    return this.joined;
  }

  /** @internal called by the client for `message:new` of this room. */
  handleLive(message: Message): void {
    if (!this.initialised) {
      this.beforeJoin.push(message);
      return;
    }
    this.deliver([message]);
  }

  /** @internal the socket reconnected: catch up from lastSeq. */
  async resync(): Promise<void> {
    if (this.joined && !this.closed) await this.join();
  }

  /** @internal */
  close(reason: 'deleted' | 'removed'): void {
    if (this.closed) return;
    this.closed = true;
    this.joined = false;
    clearTimeout(this.gapTimer);
    this.emit('closed', { reason });
  }

  private deliver(messages: Message[]): void {
    for (const message of this.feed.accept(messages)) this.emit('message', message);
    if (this.feed.hasGap && !this.gapTimer && !this.filling) {
      this.gapTimer = setTimeout(() => {
        this.gapTimer = undefined;
        void this.fillGap();
      }, this.gapWaitMs);
    } else if (!this.feed.hasGap && this.gapTimer) {
      clearTimeout(this.gapTimer);
      this.gapTimer = undefined;
    }
  }

  /** Reads what is missing after lastSeq over REST, page by page. */
  private async fillGap(): Promise<void> {
    if (this.filling) return;
    this.filling = true;
    try {
      for (;;) {
        const page = await this.transport.rest.messages.page(this.roomId, { after: this.feed.lastSeq, limit: 200 });
        this.deliver(page.messages);
        if (!page.hasMore || page.messages.length === 0) break;
      }
    } catch (error) {
      // Retried by the next live message or reconnect; the application keeps what it has.
      console.warn('Parley SDK: filling a gap failed', error);
    } finally {
      this.filling = false;
      if (this.feed.hasGap) this.deliver([]);
    }
  }
}
