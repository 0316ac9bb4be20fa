import type { Conversation, ConversationPage, ConversationUpdatedEvent, Room, UnreadTotals } from '@parley/contract';
import { Emitter } from './emitter';
import type { RestApi } from './http';

/** What the list needs from the client: the socket event, REST, and who the user is. */
export interface ConversationTransport {
  watch(limit: number): Promise<ConversationPage>;
  isConnected(): boolean;
  rest: RestApi;
  /** The signed-in user's username (mentions of them count). */
  username(): string | null;
}

export interface ConversationListEvents {
  /** The list changed (a new order, counts, previews…): re-render from `items()`. */
  changed: Conversation[];
  /** The watch or a fetch failed (the list keeps what it had). */
  error: unknown;
}

/** Newest activity first, ties by room id (as the server sorts). */
function byActivity(a: Conversation, b: Conversation): number {
  if (a.lastActivityAt !== b.lastActivityAt) return a.lastActivityAt < b.lastActivityAt ? 1 : -1;
  return a.room.id < b.room.id ? 1 : a.room.id > b.room.id ? -1 : 0;
}

/**
 * The live conversation list (`client.conversations`): the first page from `conversations:watch`, more pages
 * over REST, and every `conversation:updated` merged in, so the application never refetches. Unread counts are
 * derived (`lastSeq − lastReadSeq`); mentions are counted from each activity's `mentions`, except in
 * conversations the user muted (the server does not count those either).
 */
export class ConversationList extends Emitter<ConversationListEvents> {
  private readonly entries = new Map<string, Conversation>();
  private nextCursor: string | null = null;
  private watching = false;
  /** Pages loaded since the last watch: a reconnect loads as many again. */
  private pages = 0;
  private readonly fetching = new Set<string>();

  constructor(
    private readonly transport: ConversationTransport,
    private readonly pageSize = 50,
  ) {
    super();
  }

  /** The conversations shown: not archived, newest activity first. */
  items(): Conversation[] {
    return [...this.entries.values()].filter((entry) => !entry.archived).sort(byActivity);
  }

  /** The archived conversations this list knows of (load them with `loadArchived()`). */
  archived(): Conversation[] {
    return [...this.entries.values()].filter((entry) => entry.archived).sort(byActivity);
  }

  get(roomId: string): Conversation | undefined {
    return this.entries.get(roomId);
  }

  /** More pages may exist on the server (`loadMore()`). */
  get hasMore(): boolean {
    return this.nextCursor !== null;
  }

  /** Totals over what the list holds, as `GET /api/me/unread` counts them (muted conversations left out). */
  totals(): UnreadTotals {
    let unreadMessages = 0;
    let mentions = 0;
    let conversations = 0;
    for (const entry of this.entries.values()) {
      if (entry.notificationsMuted) continue;
      unreadMessages += entry.unreadCount;
      mentions += entry.mentionCount;
      if (entry.unreadCount > 0) conversations += 1;
    }
    return { unreadMessages, mentions, conversations };
  }

  /** Starts (or, after a reconnect, restarts) watching: the first page replaces what the list had. */
  async watch(): Promise<Conversation[]> {
    this.watching = true;
    const page = await this.transport.watch(this.pageSize);
    this.entries.clear();
    this.addPage(page);
    this.pages = 1;
    this.changed();
    return this.items();
  }

  /** Called by the client after every reconnect: watches again and reloads as many pages as were loaded. */
  resume(): void {
    if (!this.watching || !this.transport.isConnected()) return;
    const pages = this.pages;
    void (async () => {
      await this.watch();
      while (this.pages < pages && (await this.loadMore()));
    })().catch((error: unknown) => this.emit('error', error));
  }

  /** The next page over REST; false when there was none. */
  async loadMore(): Promise<boolean> {
    if (this.nextCursor === null) return false;
    this.addPage(await this.transport.rest.conversations.list({ limit: this.pageSize, cursor: this.nextCursor }));
    this.pages += 1;
    this.changed();
    return true;
  }

  /** Every archived conversation (they are not in the default list). */
  async loadArchived(): Promise<Conversation[]> {
    let cursor: string | undefined;
    do {
      const page = await this.transport.rest.conversations.list({ archived: true, limit: 100, cursor });
      for (const entry of page.conversations) this.entries.set(entry.room.id, entry);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    this.changed();
    return this.archived();
  }

  /** No notifications from this conversation (true), or again (false). */
  async setNotificationsMuted(roomId: string, muted: boolean): Promise<Conversation> {
    return this.store(await this.transport.rest.conversations.update(roomId, { notificationsMuted: muted }));
  }

  /** Hidden until its next message (true), or shown again now (false). */
  async setArchived(roomId: string, archived: boolean): Promise<Conversation> {
    return this.store(await this.transport.rest.conversations.update(roomId, { archived }));
  }

  /** "Mark as unread": the message `seq` and every later one become unread. */
  async markUnread(roomId: string, seq: number): Promise<void> {
    await this.transport.rest.conversations.markUnread(roomId, seq);
    const entry = this.entries.get(roomId);
    if (entry && seq - 1 < entry.lastReadSeq) {
      this.entries.set(roomId, withReadSeq(entry, Math.max(0, seq - 1)));
      this.changed();
    }
  }

  /** Reads one conversation again (e.g. one the application just opened or joined). */
  async refresh(roomId: string): Promise<Conversation> {
    return this.store(await this.transport.rest.conversations.get(roomId));
  }

  /** A `conversation:updated` from the socket. */
  apply(event: ConversationUpdatedEvent): void {
    const entry = this.entries.get(event.roomId);
    switch (event.kind) {
      case 'activity': {
        if (!entry) return this.fetchOne(event.roomId); // beyond the loaded pages, or new to this list
        if (event.lastSeq === undefined || event.lastSeq <= entry.room.lastSeq || !event.lastMessage) return;
        const me = this.transport.username()?.toLowerCase();
        const mentioned = entry.notificationsMuted || !me ? 0 : (event.mentions ?? []).filter((name) => name === me).length;
        // What you send you have read (the server moves the author's marker in the same commit, without a
        // receipt): one's own newest message, a send or one's own join line, is not unread.
        const own = me !== undefined && event.lastMessage.author.username.toLowerCase() === me;
        const lastReadSeq = own ? Math.max(entry.lastReadSeq, event.lastSeq) : entry.lastReadSeq;
        const room: Room = { ...entry.room, lastSeq: event.lastSeq, unreadCount: Math.max(0, event.lastSeq - lastReadSeq) };
        this.entries.set(event.roomId, {
          ...entry,
          lastReadSeq,
          room,
          lastMessage: event.lastMessage,
          lastActivityAt: event.lastActivityAt && event.lastActivityAt > entry.lastActivityAt ? event.lastActivityAt : entry.lastActivityAt,
          unreadCount: room.unreadCount ?? 0,
          mentionCount: entry.mentionCount + mentioned,
          archived: false,
        });
        break;
      }
      case 'preview':
        if (!entry || !event.lastMessage || entry.lastMessage?.seq !== event.lastMessage.seq) return;
        this.entries.set(event.roomId, { ...entry, lastMessage: event.lastMessage });
        break;
      case 'room':
        if (!entry || !event.room) return;
        this.entries.set(event.roomId, { ...entry, room: { ...entry.room, name: event.room.name, description: event.room.description } });
        break;
      case 'changed':
        if (!event.conversation) return;
        this.entries.set(event.roomId, newest(entry, event.conversation));
        break;
      case 'removed':
        if (!this.entries.delete(event.roomId)) return;
        break;
    }
    this.changed();
  }

  /** Forgets everything (sign-out). */
  clear(): void {
    this.watching = false;
    this.entries.clear();
    this.nextCursor = null;
    this.changed();
  }

  private store(conversation: Conversation): Conversation {
    this.entries.set(conversation.room.id, newest(this.entries.get(conversation.room.id), conversation));
    this.changed();
    return conversation;
  }

  private addPage(page: ConversationPage): void {
    for (const entry of page.conversations) this.entries.set(entry.room.id, newest(this.entries.get(entry.room.id), entry));
    this.nextCursor = page.nextCursor;
  }

  private fetchOne(roomId: string): void {
    if (this.fetching.has(roomId)) return;
    this.fetching.add(roomId);
    this.transport.rest.conversations
      .get(roomId)
      .then((conversation) => this.store(conversation))
      .catch((error: unknown) => this.emit('error', error))
      .finally(() => this.fetching.delete(roomId));
  }

  private changed(): void {
    this.emit('changed', this.items());
  }
}

function withReadSeq(entry: Conversation, lastReadSeq: number): Conversation {
  const unreadCount = Math.max(0, entry.room.lastSeq - lastReadSeq);
  return { ...entry, lastReadSeq, unreadCount, room: { ...entry.room, unreadCount } };
}

/**
 * A fresh entry from the server, unless the list already saw newer messages (an activity that overtook it):
 * then the newer message state stays and the rest (settings, read marker) is taken.
 */
function newest(known: Conversation | undefined, fresh: Conversation): Conversation {
  if (!known || known.room.lastSeq <= fresh.room.lastSeq) return fresh;
  return withReadSeq(
    { ...fresh, room: { ...fresh.room, lastSeq: known.room.lastSeq }, lastMessage: known.lastMessage, lastActivityAt: known.lastActivityAt, archived: false },
    fresh.lastReadSeq,
  );
}
