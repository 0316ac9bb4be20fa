import { ParleyError, canModerate, mergeReactions, mergeReplyCount, type Member, type Message, type ParleyClient, type Room, type RoomHandle, type User } from '@parley/client';
import { AttachmentTray, attachmentLabel, dropZone, replaceAttachments } from './attachments';
import { confirmDialog } from './dialogs';
import { h, icon, replaceChildren } from './dom';
import { describeError } from './errors';
import { hueOf, initials, longTime, plural, roomLabel, shortTime } from './format';
import { editHistoryDialog } from './edit-history';
import { PinBoard } from './pins';
import { reactionPicker, renderReactions } from './reactions';
import { memberActionsDialog, moderationPanel, muteEnd, reportDialog } from './moderation';
import { toast } from './toasts';
import { quoteButton, replyCountLabel, threadDialog } from './threads';

/** What a chat view needs from the application shell. */
export interface ChatContext {
  readonly client: ParleyClient;
  readonly me: User;
  /** True while this room is the one on screen and the page is visible. */
  isVisible(roomId: string): boolean;
  /** The room was read up to its end: clear its badge. */
  onRead(roomId: string): void;
  /** Name, description or role changed. */
  onRoomChanged(room: Room): void;
  /** The room was deleted or we were removed. */
  onClosed(roomId: string, reason: 'deleted' | 'removed'): void;
  openDirect(user: User): void;
  addMembers(room: Room): void;
  back(): void;
}

interface MessageItem {
  message: Message;
  element: HTMLLIElement;
  content: HTMLDivElement;
  /** The message's files (emptied when it is deleted). */
  attachments: HTMLDivElement;
  edited: HTMLButtonElement;
  reactions: HTMLDivElement;
  actions: HTMLDivElement | null;
  /** The thread's reply count (on a root), opening the thread. */
  replies: HTMLButtonElement;
}

const MAX_LENGTH = 5000;
const TYPING_REFRESH_MS = 2000;
/** A typing indicator with no `false` after this long is dropped (the server expires it after 5 s). */
const TYPING_STALE_MS = 7000;
const PAGE_SIZE = 50;
const BOTTOM_SLACK_PX = 48;
const LOAD_OLDER_THRESHOLD_PX = 240;
const USERNAME_CHAR = /[A-Za-z0-9_.-]/;
/** The server's refusal of a send while muted (it does not say until when). */
const MUTED_MESSAGE = 'You are muted in this room';
/** setTimeout's limit: a longer mute is re-checked when it fires. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * One room on screen: history (older pages on scroll-up, scroll position kept), live messages (auto-scroll
 * only when at the bottom), own-message edit and delete, typing, the member list with presence, the
 * composer. Kept while the app runs and re-opened with a catch-up, since the SDK's room handle continues
 * where it stopped.
 */
export class ChatView {
  readonly element: HTMLElement;
  private readonly handle: RoomHandle;
  private room: Room;
  private readonly offs: Array<() => void> = [];
  private readonly items = new Map<string, MessageItem>();
  private readonly members = new Map<string, Member>();
  /** Muted members (user id → end, null for good), as far as this viewer knows: sanctions (moderators) and events. */
  private readonly mutedUsers = new Map<string, string | null>();
  /** Our own mute: `known` false when only a refused send told us (no end time). */
  private myMute: { until: string | null; known: boolean } | null = null;
  private myMuteTimer?: ReturnType<typeof setTimeout>;
  private readonly typists = new Map<string, { user: User; timer: ReturnType<typeof setTimeout> }>();
  private presenceQueue: Array<{ userId: string; online: boolean }> | null = null;
  private started = false;
  private active = false;
  private hasMore = true;
  private loadingOlder = false;
  private joinError: unknown = null;
  private stickToBottom = true;
  private unseen = 0;
  private typingSentAt = 0;
  private typingOn = false;
  private markReadTimer?: ReturnType<typeof setTimeout>;
  private editing: { id: string; cancel: () => void } | null = null;
  private stopWaiting?: () => void;
  /** Highest seq this view has sent as read. */
  private readUpTo = 0;
  /** The message the composer replies to. */
  private replyingTo: Message | null = null;
  /** The thread open in a dialog, fed with live replies. */
  private openThread: ReturnType<typeof threadDialog> | null = null;

  // DOM
  private readonly title = h('h1', { class: 'chat-title', 'data-testid': 'chat-title' });
  private readonly titleIcon = h('span', { class: 'chat-title-icon', 'aria-hidden': 'true' });
  private readonly subtitle = h('p', { class: 'chat-subtitle', 'data-testid': 'chat-subtitle' });
  private readonly membersToggle: HTMLButtonElement;
  private readonly membersCount = h('span', { class: 'members-count', 'data-testid': 'online-count' });
  private readonly addMemberButton: HTMLButtonElement;
  private readonly moderationButton: HTMLButtonElement;
  private readonly pins: PinBoard;
  private readonly scroller: HTMLDivElement;
  private readonly list = h('ol', { class: 'message-list', 'data-testid': 'message-list' });
  /** Own messages on their way (below the list until the server has them). */
  private readonly pendingList = h('ol', { class: 'message-list pending-list', 'aria-label': 'Sending' });
  private readonly pending = new Map<string, HTMLLIElement>();
  private readonly historyTop = h('div', { class: 'history-top', 'data-testid': 'history-top' });
  private readonly jump: HTMLButtonElement;
  private readonly memberPanel: HTMLElement;
  private readonly memberLists = h('div', { class: 'member-groups' });
  private readonly typingLine = h('div', { class: 'typing', 'data-testid': 'typing-indicator', 'aria-live': 'polite' });
  private readonly composer: HTMLTextAreaElement;
  private readonly sendButton: HTMLButtonElement;
  private readonly mutedNotice = h('div', { class: 'muted-notice', 'data-testid': 'muted-notice', role: 'status', hidden: true });
  private readonly composerError = h('p', { class: 'composer-error', role: 'alert', 'data-testid': 'composer-error', hidden: true });
  private readonly replyBar = h('div', { class: 'reply-bar', 'data-testid': 'reply-bar', hidden: true });
  private readonly resizeObserver: ResizeObserver;
  /** This room's uploads for the next message (kept while another room is shown). */
  private readonly tray: AttachmentTray;
  private waitingForUploads = false;

  constructor(
    private readonly ctx: ChatContext,
    room: Room,
  ) {
    this.room = room;
    this.handle = ctx.client.room(room.id);
    const panelId = `members-${room.id}`;

    const back = h('button', { type: 'button', class: 'icon-button back-button', 'data-testid': 'back-button', 'aria-label': 'Back to rooms' }, icon('back'));
    back.addEventListener('click', () => ctx.back());
    this.addMemberButton = h(
      'button',
      { type: 'button', class: 'button secondary small', 'data-testid': 'add-member-button', hidden: true },
      icon('userPlus'),
      h('span', { class: 'label' }, 'Add people'),
    );
    this.addMemberButton.addEventListener('click', () => ctx.addMembers(this.room));
    this.moderationButton = h(
      'button',
      { type: 'button', class: 'button secondary small', 'data-testid': 'moderation-button', hidden: true, 'aria-label': 'Moderation', title: 'Mutes, bans and the audit log' },
      icon('shield'),
      h('span', { class: 'label' }, 'Moderation'),
    );
    this.moderationButton.addEventListener('click', () => moderationPanel(this.handle, this.room.name, this.room.role));
    this.pins = new PinBoard(
      this.handle,
      () => this.canPin(),
      (messageId, pinned) => this.markPinned(messageId, pinned),
      (messageId) => this.revealMessage(messageId),
    );
    this.membersToggle = h(
      'button',
      { type: 'button', class: 'button secondary small', 'data-testid': 'members-toggle', 'aria-controls': panelId, 'aria-expanded': 'false' },
      icon('users'),
      this.membersCount,
    );
    this.membersToggle.addEventListener('click', () => this.setMembersOpen(this.element.dataset.members !== 'open'));

    this.scroller = h(
      'div',
      { class: 'messages', 'data-testid': 'messages', role: 'log', tabindex: 0, 'aria-label': 'Messages' },
      this.historyTop,
      this.list,
      this.pendingList,
    );
    this.scroller.addEventListener('scroll', () => this.onScroll(), { passive: true });
    this.jump = h('button', { type: 'button', class: 'jump-latest', 'data-testid': 'jump-latest', hidden: true }, icon('down'), h('span', {}, 'New messages'));
    this.jump.addEventListener('click', () => {
      this.scrollToBottom();
      this.composer.focus();
    });

    const closeMembers = h('button', { type: 'button', class: 'icon-button members-close', 'aria-label': 'Hide members' }, icon('close'));
    closeMembers.addEventListener('click', () => this.setMembersOpen(false));
    this.memberPanel = h(
      'aside',
      { class: 'members', id: panelId, 'data-testid': 'member-list', 'aria-label': 'Members' },
      h('header', { class: 'members-head' }, h('h2', {}, 'Members'), closeMembers),
      this.memberLists,
    );

    this.composer = h('textarea', {
      class: 'composer-input',
      rows: 1,
      'data-testid': 'composer-input',
      'aria-label': 'Message',
      'aria-describedby': `composer-hint-${room.id}`,
      enterkeyhint: 'send',
    });
    this.tray = new AttachmentTray(ctx.client, room.id);
    this.sendButton = h('button', { type: 'submit', class: 'button primary send-button', 'data-testid': 'send-button', 'aria-label': 'Send message' }, icon('send'));
    const form = h(
      'form',
      { class: 'composer' },
      this.tray.button,
      this.composer,
      this.sendButton,
      h('span', { id: `composer-hint-${room.id}`, class: 'visually-hidden' }, 'Enter sends, Shift+Enter adds a new line.'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.send();
    });
    this.composer.addEventListener('keydown', (event) => this.onComposerKey(event));
    this.composer.addEventListener('input', () => this.onComposerInput());
    this.composer.addEventListener('blur', () => this.stopTyping());

    this.element = h(
      'section',
      { class: 'chat', 'data-testid': 'chat', 'data-room-id': room.id, 'data-members': 'closed', 'aria-labelledby': `chat-title-${room.id}` },
      h(
        'header',
        { class: 'chat-head' },
        back,
        h('div', { class: 'chat-heading' }, h('div', { class: 'chat-title-row' }, this.titleIcon, this.title), this.subtitle),
        h('div', { class: 'chat-tools' }, this.pins.button, this.moderationButton, this.addMemberButton, this.membersToggle),
      ),
      h(
        'div',
        { class: 'chat-body' },
        h('div', { class: 'chat-main' }, h('div', { class: 'messages-wrap' }, this.scroller, this.jump), this.typingLine, this.composerError, this.mutedNotice, this.replyBar, this.tray.element, form),
        this.memberPanel,
      ),
    );
    this.title.id = `chat-title-${room.id}`;
    const drop = dropZone();
    this.element.append(drop);
    this.tray.acceptDropsAndPastes(this.element, drop, this.composer);
    // Keeps the newest message in view when the visible area changes (composer grows, window resizes…).
    this.resizeObserver = new ResizeObserver(() => {
      if (this.stickToBottom) this.scrollToBottom();
    });
    this.resizeObserver.observe(this.scroller);
    if (window.matchMedia('(min-width: 1100px)').matches) this.setMembersOpen(true);

    this.listen();
    this.renderHeader();
    this.renderHistoryTop();
    this.renderTyping();
  }

  get roomId(): string {
    return this.room.id;
  }

  /** Subscribes (first time: latest page of history; later: catch-up of what was missed) and loads members. */
  async open(): Promise<void> {
    this.active = true;
    this.joinError = null;
    this.renderHistoryTop();
    try {
      // The SDK's join() fails at once while the socket is not connected (e.g. right after a page load).
      await this.whenConnected();
      if (!this.active) return;
      // The newest page comes with the join (one round trip); the first loadOlder() below takes it.
      const room = await this.handle.join({ prefetch: PAGE_SIZE });
      if (!this.active) {
        // Left for another room while joining.
        this.handle.unsubscribe().catch(() => undefined);
        return;
      }
      this.applyRoom(room);
      // The server's view of my own mute, with its end (e.g. after a reload).
      if (room.muted) this.setMyMute({ until: room.mutedUntil, known: true });
      else if (this.myMute) this.setMyMute(null);
    } catch (error) {
      if (!this.active) return;
      this.joinError = error;
      this.renderHistoryTop();
      toast(describeError(error, `Could not open ${this.label()}`), { kind: 'error' });
      return;
    }
    const members = this.loadMembers();
    this.pins.load().catch(() => undefined); // pins are extra: the room works without them
    if (!this.started) {
      this.started = true;
      await this.loadOlder();
      // Fill the screen so that scrolling up is possible.
      for (let i = 0; i < 5 && this.hasMore && this.scroller.scrollHeight <= this.scroller.clientHeight; i++) await this.loadOlder();
      this.scrollToBottom();
    }
    this.renderHistoryTop();
    await members;
    this.scheduleRead();
  }

  /** Resolves when the socket is connected, or when the view is left meanwhile (suspend). */
  private whenConnected(): Promise<void> {
    const client = this.ctx.client;
    if (client.status === 'connected') return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        off();
        this.stopWaiting = undefined;
        resolve();
      };
      const off = client.on('status', (status) => {
        if (status === 'connected') done();
      });
      this.stopWaiting = done;
    });
  }

  /** Leaves the room's live stream while another room is shown (membership stays). */
  suspend(): void {
    if (!this.active) return;
    this.active = false;
    this.stopWaiting?.();
    this.stopTyping();
    this.editing?.cancel();
    for (const typist of this.typists.values()) clearTimeout(typist.timer);
    this.typists.clear();
    this.renderTyping();
    if (this.markReadTimer) this.flushRead(); // a pending read marker still goes out
    this.handle.unsubscribe().catch(() => undefined);
  }

  destroy(): void {
    this.suspend();
    clearTimeout(this.myMuteTimer);
    this.resizeObserver.disconnect();
    this.tray.destroy();
    for (const off of this.offs.splice(0)) off();
    this.element.remove();
  }

  focusComposer(): void {
    this.composer.focus({ preventScroll: true });
  }

  /** The page became visible again, or the view was shown: mark what is on screen read. */
  onVisible(): void {
    this.scheduleRead();
  }

  /** The socket is back after a disconnect: presence may have changed meanwhile. */
  onReconnected(): void {
    if (this.active) void this.loadMembers();
  }

  // ---- SDK events ---------------------------------------------------------------------------------

  private listen(): void {
    const room = this.handle;
    this.offs.push(
      room.on('message', (message) => this.onMessage(message)),
      room.on('updated', (message) => this.applyUpdate(message)),
      room.on('deleted', (event) => {
        const item = this.items.get(event.id);
        if (item) this.applyUpdate({ ...item.message, content: '', deletedAt: item.message.deletedAt ?? new Date().toISOString() });
        this.pins.removed(event.id);
      }),
      room.on('reactions', (event) => {
        const item = this.items.get(event.messageId);
        if (!item) return;
        item.message = { ...item.message, reactions: mergeReactions(item.message.reactions, event, this.ctx.me.id) };
        this.withScrollAnchor(() => this.renderItemReactions(item));
      }),
      room.on('replies', (event) => {
        this.openThread?.onReplies(event);
        const item = this.items.get(event.messageId);
        if (!item) return;
        item.message = mergeReplyCount(item.message, event);
        this.withScrollAnchor(() => this.renderReplyCount(item));
      }),
      room.on('pinned', (pin) => this.pins.added(pin)),
      room.on('unpinned', (event) => this.pins.removed(event.messageId)),
      room.on('typing', (event) => this.setTypist(event.user, event.isTyping)),
      room.on('presence', (event) => this.setOnline(event.user, event.status === 'online')),
      room.on('memberJoined', (event) => {
        if (!this.members.has(event.user.id)) {
          this.members.set(event.user.id, { user: event.user, role: 'member', joinedAt: new Date().toISOString(), online: false });
          this.room = { ...this.room, memberCount: this.members.size };
          this.renderMembers();
          this.renderHeader();
        }
      }),
      room.on('memberLeft', (event) => {
        this.members.delete(event.user.id);
        this.setTypist(event.user, false);
        this.room = { ...this.room, memberCount: Math.max(0, this.room.memberCount - 1) };
        this.renderMembers();
        this.renderHeader();
      }),
      room.on('memberMuted', (event) => {
        this.mutedUsers.set(event.user.id, event.until);
        if (event.user.id === this.ctx.me.id) this.setMyMute({ until: event.until, known: true });
        this.renderMembers();
      }),
      room.on('memberUnmuted', (event) => {
        this.mutedUsers.delete(event.user.id);
        if (event.user.id === this.ctx.me.id) this.setMyMute(null);
        this.renderMembers();
      }),
      room.on('memberUpdated', (event) => {
        const member = this.members.get(event.user.id);
        if (member) this.members.set(event.user.id, { ...member, role: event.role });
        // My own role decides which moderation actions I get.
        if (event.user.id === this.ctx.me.id) this.applyRoom({ ...this.room, role: event.role });
        this.renderMembers();
      }),
      room.on('roomUpdated', (room) => {
        // Per-viewer fields are null in this event: keep ours.
        this.applyRoom({ ...room, joined: this.room.joined, role: this.room.role, unreadCount: this.room.unreadCount });
      }),
      room.on('closed', ({ reason }) => this.ctx.onClosed(this.room.id, reason)),
    );
  }

  private applyRoom(room: Room): void {
    const roleChanged = room.role !== this.room.role;
    this.room = room;
    if (roleChanged) this.refreshMessageActions();
    this.renderHeader();
    this.ctx.onRoomChanged(room);
  }

  private onMessage(message: Message): void {
    this.openThread?.onMessage(message);
    if (this.items.has(message.id)) return;
    this.setTypist(message.author, false);
    const item = this.renderMessage(message);
    const own = message.author.id === this.ctx.me.id;
    const follow = this.stickToBottom || own;
    if (own) this.dropPending(message.clientMsgId);
    this.list.appendChild(item.element);
    if (follow) this.scrollToBottom();
    else {
      this.unseen += 1;
      this.renderJump();
    }
    this.renderHistoryTop();
    // Own messages too: the server does not move the sender's read marker by itself.
    this.scheduleRead();
  }

  private applyUpdate(message: Message): void {
    const item = this.items.get(message.id);
    if (!item) return;
    this.withScrollAnchor(() => {
      // Broadcast updates carry no reactions: keep the ones we have (a deleted message has none).
      item.message = { ...message, reactions: message.deletedAt ? [] : (message.reactions ?? item.message.reactions) };
      this.renderItemReactions(item);
      if (message.deletedAt) {
        if (this.editing?.id === message.id) this.editing.cancel();
        item.element.classList.add('deleted');
        item.element.dataset.deleted = 'true';
        item.actions?.remove();
        item.actions = null;
        replaceChildren(item.content, 'This message was deleted.');
        item.attachments.replaceChildren();
        item.edited.hidden = true;
      } else {
        this.renderContent(item.content, message.content);
        item.edited.hidden = !message.editedAt;
        if (message.editedAt) item.edited.title = `Edited ${longTime(message.editedAt)}: show the earlier versions`;
        item.element.classList.toggle('mentions-me', this.mentionsMe(message));
      }
    });
  }

  // ---- history ------------------------------------------------------------------------------------

  private async loadOlder(): Promise<void> {
    if (this.loadingOlder || !this.hasMore || !this.started) return;
    this.loadingOlder = true;
    this.renderHistoryTop();
    try {
      const page = await this.handle.loadOlder(PAGE_SIZE);
      this.hasMore = page.hasMore;
      const fresh = page.messages.filter((message) => !this.items.has(message.id));
      if (fresh.length > 0) {
        const fragment = document.createDocumentFragment();
        for (const message of fresh) fragment.appendChild(this.renderMessage(message).element);
        this.withScrollAnchor(() => this.list.prepend(fragment));
      }
    } catch (error) {
      toast(describeError(error, 'Could not load older messages'), { kind: 'error' });
    } finally {
      this.loadingOlder = false;
      this.renderHistoryTop();
    }
  }

  private renderHistoryTop(): void {
    if (this.joinError) {
      const retry = h('button', { type: 'button', class: 'button secondary small', 'data-testid': 'retry-open' }, 'Try again');
      retry.addEventListener('click', () => void this.open());
      replaceChildren(this.historyTop, h('p', { class: 'history-note error' }, describeError(this.joinError, 'Could not open the room')), retry);
    } else if (!this.started || this.loadingOlder) {
      const what = this.ctx.client.status === 'connected' ? 'Loading messages…' : 'Connecting…';
      replaceChildren(this.historyTop, h('p', { class: 'history-note' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), what));
    } else if (this.hasMore) {
      const older = h('button', { type: 'button', class: 'button ghost small', 'data-testid': 'load-older' }, 'Load older messages');
      older.addEventListener('click', () => void this.loadOlder());
      replaceChildren(this.historyTop, older);
    } else {
      const start = this.room.kind === 'direct' ? `This is the beginning of your conversation with ${this.label()}.` : `This is the beginning of ${this.label()}.`;
      replaceChildren(
        this.historyTop,
        h('p', { class: 'history-note start', 'data-testid': 'history-start' }, start, this.items.size === 0 ? ' Say hello!' : ''),
      );
    }
  }

  // ---- scrolling ----------------------------------------------------------------------------------

  private onScroll(): void {
    this.stickToBottom = this.distanceFromBottom() <= BOTTOM_SLACK_PX;
    if (this.stickToBottom) {
      if (this.unseen > 0) {
        this.unseen = 0;
        this.renderJump();
      }
      this.scheduleRead();
    }
    if (this.scroller.scrollTop < LOAD_OLDER_THRESHOLD_PX && this.hasMore && this.started) void this.loadOlder();
  }

  private distanceFromBottom(): number {
    return this.scroller.scrollHeight - this.scroller.scrollTop - this.scroller.clientHeight;
  }

  private scrollToBottom(): void {
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.stickToBottom = true;
    this.unseen = 0;
    this.renderJump();
  }

  /**
   * Runs a change to the list without moving what the reader is looking at: at the bottom it stays at the
   * bottom; otherwise the first message in view keeps its position (prepended history, edits, deletions).
   */
  private withScrollAnchor(mutate: () => void): void {
    if (this.stickToBottom) {
      mutate();
      this.scrollToBottom();
      return;
    }
    const anchor = this.firstVisibleMessage();
    const offset = anchor ? anchor.offsetTop - this.scroller.scrollTop : 0;
    mutate();
    if (anchor?.isConnected) this.scroller.scrollTop = anchor.offsetTop - offset;
  }

  private firstVisibleMessage(): HTMLElement | null {
    const children = this.list.children;
    const top = this.scroller.scrollTop;
    let low = 0;
    let high = children.length - 1;
    let found: HTMLElement | null = null;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const element = children[mid] as HTMLElement;
      if (element.offsetTop + element.offsetHeight > top) {
        found = element;
        high = mid - 1;
      } else low = mid + 1;
    }
    return found;
  }

  private renderJump(): void {
    this.jump.hidden = this.unseen === 0;
    const label = this.jump.querySelector('span');
    if (label) label.textContent = this.unseen === 1 ? '1 new message' : `${this.unseen} new messages`;
  }

  // ---- messages -----------------------------------------------------------------------------------

  private renderMessage(message: Message): MessageItem {
    if (message.type === 'system') return this.renderSystemMessage(message);
    const own = message.author.id === this.ctx.me.id;
    const avatar = h('div', { class: 'avatar', 'aria-hidden': 'true' }, initials(message.author));
    avatar.style.setProperty('--hue', String(hueOf(message.author.id)));
    const time = h('time', { datetime: message.createdAt, title: longTime(message.createdAt) }, shortTime(message.createdAt));
    const edited = h('button', { type: 'button', class: 'edited', 'data-testid': 'message-edited', hidden: !message.editedAt }, '(edited)');
    if (message.editedAt) edited.title = `Edited ${longTime(message.editedAt)}: show the earlier versions`;
    const content = h('div', { class: 'content', 'data-testid': 'message-content' });
    const attachments = h('div', { class: 'attachments-slot' });
    const reactions = h('div', { class: 'reactions', 'data-testid': 'reactions', hidden: true });
    const author = h('span', { class: 'author', 'data-testid': 'message-author', title: `@${message.author.username}` }, message.author.displayName);
    const actions = this.messageActions(message);
    const replies = h('button', { type: 'button', class: 'reply-count', 'data-testid': 'reply-count', hidden: true });
    const quote = message.replyTo ? quoteButton(message.replyTo, (id) => this.revealMessage(id)) : null;
    const element = h(
      'li',
      {
        class: `message${own ? ' own' : ''}`,
        'data-testid': 'message',
        'data-message-id': message.id,
        'data-seq': message.seq,
        'data-own': String(own),
        'data-author': message.author.username,
      },
      avatar,
      h(
        'div',
        { class: 'bubble' },
        h('div', { class: 'meta' }, author, own ? h('span', { class: 'you-tag' }, 'you') : null, time, edited),
        quote,
        content,
        attachments,
        reactions,
        replies,
      ),
      actions,
    );
    const item: MessageItem = { message, element, content, attachments, edited, reactions, actions, replies };
    this.renderItemReactions(item);
    this.renderReplyCount(item);
    replies.addEventListener('click', () => this.showThread(item.message));
    this.items.set(message.id, item);
    if (this.pins.isPinned(message.id)) element.dataset.pinned = 'true';
    edited.addEventListener('click', () => editHistoryDialog(this.handle, item.message));
    if (message.deletedAt) {
      element.classList.add('deleted');
      element.dataset.deleted = 'true';
      replaceChildren(content, 'This message was deleted.');
    } else {
      this.renderContent(content, message.content);
      replaceAttachments(attachments, this.ctx.client, message.attachments);
      element.classList.toggle('mentions-me', this.mentionsMe(message));
    }
    return item;
  }

  /** A system message (someone joined, a rename…): a centred, muted line with its time, no actions. */
  private renderSystemMessage(message: Message): MessageItem {
    const content = h('div', { class: 'content', 'data-testid': 'system-text' }, message.content);
    const element = h(
      'li',
      { class: 'message system', 'data-testid': 'system-message', 'data-message-id': message.id, 'data-seq': message.seq, 'data-kind': message.event?.kind ?? '' },
      content,
      h('time', { datetime: message.createdAt, title: longTime(message.createdAt) }, shortTime(message.createdAt)),
    );
    // System messages take replies too (a thread under "Ann joined"): their count shows under the line.
    const replies = h('button', { type: 'button', class: 'reply-count', 'data-testid': 'reply-count', hidden: true });
    element.appendChild(replies);
    const item: MessageItem = { message, element, content, attachments: h('div'), edited: h('button', { hidden: true }), reactions: h('div'), actions: null, replies };
    this.renderReplyCount(item);
    replies.addEventListener('click', () => this.showThread(item.message));
    this.items.set(message.id, item);
    return item;
  }

  private renderReplyCount(item: MessageItem): void {
    const count = item.message.replyCount ?? 0;
    item.replies.hidden = count === 0;
    replaceChildren(item.replies, icon('reply'), replyCountLabel(count));
  }

  /** The thread of a root (a reply's: its root's) in a dialog. */
  private showThread(message: Message): void {
    const rootId = message.replyTo?.rootId ?? message.id;
    const root = this.items.get(rootId)?.message ?? message;
    const thread = threadDialog(this.ctx.client, this.handle, root, this.room.joined && !this.myMute);
    this.openThread = thread;
    void thread.closed.then(() => {
      if (this.openThread === thread) this.openThread = null;
    });
  }

  private startReply(message: Message): void {
    this.replyingTo = message;
    const cancel = h('button', { type: 'button', class: 'icon-button', 'data-testid': 'reply-cancel', 'aria-label': 'Cancel the reply' }, icon('close'));
    cancel.addEventListener('click', () => this.cancelReply());
    replaceChildren(
      this.replyBar,
      icon('reply'),
      h('span', { class: 'reply-bar-text' }, 'Replying to ', h('strong', {}, message.author.displayName), ': ', message.content.slice(0, 120) || attachmentLabel(message.type)),
      cancel,
    );
    this.replyBar.hidden = false;
    this.composer.focus();
  }

  private cancelReply(): void {
    this.replyingTo = null;
    this.replyBar.hidden = true;
    this.replyBar.replaceChildren();
  }

  /** Own messages: edit and delete; others': report, and delete for moderators and above. */
  private messageActions(message: Message): HTMLDivElement | null {
    if (message.deletedAt) return null;
    const own = message.author.id === this.ctx.me.id;
    const buttons: HTMLButtonElement[] = [];
    const button = (testId: string, label: string, iconName: 'edit' | 'trash' | 'flag' | 'pin' | 'smile' | 'reply', run: () => void): void => {
      const element = h('button', { type: 'button', class: 'icon-button', 'data-testid': testId, 'aria-label': label, title: label.replace(/ message$/, '') }, icon(iconName));
      element.addEventListener('click', run);
      buttons.push(element);
    };
    if (this.room.joined && !this.myMute) button('reply-message', 'Reply to message', 'reply', () => this.startReply(message));
    if (this.room.joined && !this.myMute) {
      button('react-message', 'React to message', 'smile', () => {
        const item = this.items.get(message.id);
        if (item) reactionPicker(item.reactions, (emoji) => this.toggleReaction(message.id, emoji));
      });
    }
    if (own) button('edit-message', 'Edit message', 'edit', () => this.startEdit(message.id));
    else if (this.room.kind === 'group') button('report-message', 'Report message', 'flag', () => reportDialog(this.handle, message));
    if (this.canPin()) {
      const pinned = this.pins.isPinned(message.id);
      button('pin-message', pinned ? 'Unpin message' : 'Pin message', 'pin', () => {
        this.pins.toggle(message.id).catch((error: unknown) => toast(describeError(error, 'Could not change the pin'), { kind: 'error' }));
      });
    }
    if (own || (this.room.kind === 'group' && canModerate(this.room.role, 'member'))) {
      button('delete-message', 'Delete message', 'trash', () => void this.deleteMessage(message.id));
    }
    return buttons.length ? h('div', { class: 'message-actions' }, ...buttons) : null;
  }

  private renderItemReactions(item: MessageItem): void {
    renderReactions(item.reactions, item.message.reactions ?? [], (emoji) => this.toggleReaction(item.message.id, emoji));
  }

  /**
   * The change shows when the room's `message:reactions` comes back (to us as to everyone, in commit order);
   * the ack's counts could be older than an event already applied, so only its failure is used.
   */
  private toggleReaction(messageId: string, emoji: string): void {
    this.handle.react(messageId, emoji).catch((error: unknown) => toast(describeError(error, 'Could not react'), { kind: 'error' }));
  }

  private canPin(): boolean {
    return this.room.kind === 'group' && (this.room.role === 'owner' || this.room.role === 'admin');
  }

  /** A pin was added or removed: the message shows it, and its Pin/Unpin action follows. */
  private markPinned(messageId: string, pinned: boolean): void {
    const item = this.items.get(messageId);
    if (!item || item.message.type === 'system') return;
    item.element.dataset.pinned = String(pinned);
    if (this.editing?.id === messageId) return;
    const actions = this.messageActions(item.message);
    if (item.actions) item.actions.replaceWith(...(actions ? [actions] : []));
    else if (actions) item.element.appendChild(actions);
    item.actions = actions;
  }

  /** Scrolls to a message already on screen and flashes it (older ones: a note, history is not paged to it yet). */
  private revealMessage(messageId: string): void {
    const item = this.items.get(messageId);
    if (!item) {
      toast('That message is further up: scroll up to load it.', { kind: 'info' });
      return;
    }
    item.element.scrollIntoView({ block: 'center' });
    item.element.classList.add('flash');
    setTimeout(() => item.element.classList.remove('flash'), 1600);
  }

  /** Our role changed: moderators get Delete on every message, others lose it. */
  private refreshMessageActions(): void {
    for (const item of this.items.values()) {
      if (this.editing?.id === item.message.id || item.message.type === 'system') continue;
      const actions = this.messageActions(item.message);
      if (item.actions) item.actions.replaceWith(...(actions ? [actions] : []));
      else if (actions) item.element.appendChild(actions);
      item.actions = actions;
    }
  }

  /** Message text as text nodes, with `@name` mentions in spans (textContent only: no HTML is ever parsed). */
  private renderContent(container: HTMLElement, text: string): void {
    container.replaceChildren();
    const mention = /@[A-Za-z0-9_.-]+/g;
    let last = 0;
    for (let match = mention.exec(text); match; match = mention.exec(text)) {
      const before = match.index > 0 ? text[match.index - 1] : undefined;
      if (before && USERNAME_CHAR.test(before)) continue;
      const name = match[0].replace(/[.-]+$/, '');
      if (name.length < 2) continue;
      container.appendChild(document.createTextNode(text.slice(last, match.index)));
      const me = name.slice(1).toLowerCase() === this.ctx.me.username.toLowerCase();
      container.appendChild(h('span', { class: `mention${me ? ' mention-self' : ''}` }, name));
      last = match.index + name.length;
    }
    if (last < text.length) container.appendChild(document.createTextNode(text.slice(last)));
  }

  private mentionsMe(message: Message): boolean {
    if (message.author.id === this.ctx.me.id) return false;
    const me = this.ctx.me.username.toLowerCase();
    const mention = /(^|[^A-Za-z0-9_.-])@([A-Za-z0-9_.-]+)/g;
    for (let match = mention.exec(message.content); match; match = mention.exec(message.content)) {
      if ((match[2] ?? '').replace(/[.-]+$/, '').toLowerCase() === me) return true;
    }
    return false;
  }

  private startEdit(id: string): void {
    const item = this.items.get(id);
    if (!item || item.message.deletedAt) return;
    this.editing?.cancel();
    const input = h('textarea', { class: 'edit-input', 'data-testid': 'edit-input', 'aria-label': 'Edit message', rows: 2 });
    input.value = item.message.content;
    const save = h('button', { type: 'button', class: 'button primary small', 'data-testid': 'edit-save' }, 'Save');
    const cancelButton = h('button', { type: 'button', class: 'button ghost small', 'data-testid': 'edit-cancel' }, 'Cancel');
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const editor = h(
      'div',
      { class: 'editor' },
      input,
      error,
      h('div', { class: 'editor-actions' }, h('small', { class: 'hint' }, 'Enter to save · Esc to cancel'), cancelButton, save),
    );
    const cancel = (): void => {
      if (this.editing?.id !== id) return;
      this.editing = null;
      this.withScrollAnchor(() => {
        editor.remove();
        item.content.hidden = false;
        if (item.actions) item.actions.hidden = false;
      });
    };
    const commit = async (): Promise<void> => {
      const content = input.value.trim();
      if (content === item.message.content) return cancel();
      if (!content && !item.message.attachments?.length) {
        error.textContent = 'A message cannot be empty. Delete it instead.';
        error.hidden = false;
        return;
      }
      if (content.length > MAX_LENGTH) {
        error.textContent = `A message has at most ${MAX_LENGTH} characters (this one has ${content.length}).`;
        error.hidden = false;
        return;
      }
      save.disabled = true;
      try {
        const updated = await this.handle.edit(id, content);
        cancel();
        this.applyUpdate(updated);
        this.composer.focus();
      } catch (failure) {
        error.textContent = describeError(failure, 'Could not save the change');
        error.hidden = false;
      } finally {
        save.disabled = false;
      }
    };
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        cancel();
        this.composer.focus();
      } else if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        void commit();
      }
    });
    save.addEventListener('click', () => void commit());
    cancelButton.addEventListener('click', () => {
      cancel();
      this.composer.focus();
    });
    this.editing = { id, cancel };
    this.withScrollAnchor(() => {
      item.content.hidden = true;
      if (item.actions) item.actions.hidden = true;
      item.content.after(editor);
    });
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  }

  private async deleteMessage(id: string): Promise<void> {
    const item = this.items.get(id);
    if (!item) return;
    const own = item.message.author.id === this.ctx.me.id;
    const text = own
      ? 'It is removed for everyone in the room. This cannot be undone.'
      : `${item.message.author.displayName}'s message is removed for everyone in the room; the room's audit log records it. This cannot be undone.`;
    if (!(await confirmDialog('Delete message?', text, 'Delete'))) return;
    try {
      await this.handle.remove(id);
      this.applyUpdate({ ...item.message, content: '', deletedAt: item.message.deletedAt ?? new Date().toISOString() });
    } catch (error) {
      toast(describeError(error, 'Could not delete the message'), { kind: 'error' });
    }
  }

  // ---- composer and typing ----------------------------------------------------------------------------

  private onComposerKey(event: KeyboardEvent): void {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      void this.send();
    } else if (event.key === 'ArrowUp' && this.composer.value === '') {
      // Up in an empty composer edits your last message, as in most chat apps.
      const own = [...this.items.values()].reverse().find((item) => item.message.author.id === this.ctx.me.id && !item.message.deletedAt && item.message.type !== 'system');
      if (own) {
        event.preventDefault();
        this.startEdit(own.message.id);
      }
    } else if (event.key === 'Escape' && this.replyingTo) {
      event.preventDefault();
      this.cancelReply();
    }
  }

  private onComposerInput(): void {
    this.autoGrow();
    if (!this.composerError.hidden && this.composer.value.trim().length <= MAX_LENGTH) this.composerError.hidden = true;
    if (!this.composer.value.trim()) return this.stopTyping();
    const now = Date.now();
    if (now - this.typingSentAt >= TYPING_REFRESH_MS) {
      this.typingSentAt = now;
      this.typingOn = true;
      this.handle.setTyping(true).catch(() => undefined);
    }
  }

  private stopTyping(): void {
    if (!this.typingOn) return;
    this.typingOn = false;
    this.typingSentAt = 0;
    this.handle.setTyping(false).catch(() => undefined);
  }

  private autoGrow(): void {
    this.composer.style.height = 'auto';
    this.composer.style.height = `${Math.min(this.composer.scrollHeight, 160)}px`;
  }

  private async send(): Promise<void> {
    if (this.myMute || this.waitingForUploads) return;
    if (this.tray.busy) {
      // Enter while files upload: the message goes once they are done (or removed).
      this.waitingForUploads = true;
      this.tray.setWaiting(true);
      await this.tray.settled();
      this.waitingForUploads = false;
      this.tray.setWaiting(false);
      if (this.myMute) return;
    }
    const raw = this.composer.value;
    const content = raw.trim();
    if (!content && !this.tray.ready) return;
    if (content.length > MAX_LENGTH) {
      this.composerError.textContent = `A message has at most ${MAX_LENGTH} characters; this one has ${content.length}. Shorten it or split it.`;
      this.composerError.hidden = false;
      return;
    }
    this.composerError.hidden = true;
    this.composer.value = '';
    this.autoGrow();
    // Sending ends the typing state on the server.
    this.typingOn = false;
    this.typingSentAt = 0;
    // Our own idempotency key, so that the pending copy is replaced by the stored message as soon as either the
    // live event or the acknowledgement brings it.
    const clientMsgId = `web-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    const pending = this.renderPending(content);
    this.pending.set(clientMsgId, pending);
    this.pendingList.appendChild(pending);
    this.scrollToBottom();
    const replyTo = this.replyingTo?.id;
    this.cancelReply();
    const attachments = this.tray.take();
    if (attachments.ids.length) pending.querySelector('.bubble')?.append(h('div', { class: 'sending' }, plural(attachments.ids.length, 'attachment')));
    try {
      await this.handle.send(content, { clientMsgId, attachments: attachments.ids, ...(replyTo === undefined ? {} : { replyTo }) });
    } catch (error) {
      if (!this.composer.value) {
        this.composer.value = raw;
        this.autoGrow();
      }
      attachments.putBack();
      if (error instanceof ParleyError && error.code === 'forbidden' && error.message === MUTED_MESSAGE) this.setMyMute(this.myMute ?? { until: null, known: false });
      else toast(describeError(error, 'Your message was not sent'), { kind: 'error' });
    } finally {
      this.dropPending(clientMsgId);
    }
  }

  private dropPending(clientMsgId: string | null): void {
    const pending = clientMsgId ? this.pending.get(clientMsgId) : undefined;
    if (!pending || !clientMsgId) return;
    this.pending.delete(clientMsgId);
    this.withScrollAnchor(() => pending.remove());
  }

  private renderPending(content: string): HTMLLIElement {
    const me = this.ctx.me;
    const avatar = h('div', { class: 'avatar', 'aria-hidden': 'true' }, initials(me));
    avatar.style.setProperty('--hue', String(hueOf(me.id)));
    const text = h('div', { class: 'content' });
    this.renderContent(text, content);
    return h(
      'li',
      { class: 'message own pending', 'data-testid': 'pending-message' },
      avatar,
      h(
        'div',
        { class: 'bubble' },
        h('div', { class: 'meta' }, h('span', { class: 'author' }, me.displayName), h('span', { class: 'you-tag' }, 'you'), h('span', { class: 'sending' }, 'Sending…')),
        text,
      ),
    );
  }

  /** Disables the composer while we are muted, says until when, and re-enables it when the mute ends. */
  private setMyMute(mute: { until: string | null; known: boolean } | null): void {
    this.myMute = mute;
    clearTimeout(this.myMuteTimer);
    this.myMuteTimer = undefined;
    const muted = mute !== null;
    this.element.dataset.muted = String(muted);
    this.composer.disabled = muted;
    this.sendButton.disabled = muted;
    this.tray.setDisabled(muted);
    this.mutedNotice.hidden = !muted;
    if (!mute) {
      this.mutedNotice.replaceChildren();
      this.renderHeader();
      return;
    }
    this.stopTyping();
    if (!mute.known) {
      // A refused send does not say until when: offer to try again rather than lock the composer for good.
      const retry = h('button', { type: 'button', class: 'button ghost small', 'data-testid': 'muted-retry' }, 'Try again');
      retry.addEventListener('click', () => {
        this.setMyMute(null);
        this.composer.focus();
      });
      replaceChildren(this.mutedNotice, h('span', {}, 'You are muted in this room: you cannot send messages for now.'), retry);
    } else {
      const end = mute.until ? `until ${longTime(mute.until)}` : 'for good';
      replaceChildren(this.mutedNotice, h('span', {}, `You are muted in this room ${end}: you can read, but not send.`));
      if (mute.until) this.mutedNotice.dataset.until = mute.until;
    }
    this.composer.placeholder = mute.known ? `Muted ${muteEnd(mute.until)}` : 'Muted';
    if (mute.until) {
      const until = mute.until;
      const wait = Math.min(MAX_TIMER_MS, Math.max(0, Date.parse(until) - Date.now()));
      this.myMuteTimer = setTimeout(() => {
        if (Date.parse(until) <= Date.now()) {
          this.mutedUsers.delete(this.ctx.me.id);
          this.setMyMute(null);
          this.renderMembers();
        } else this.setMyMute(mute);
      }, wait);
    }
  }

  private setTypist(user: User, isTyping: boolean): void {
    if (user.id === this.ctx.me.id) return;
    const current = this.typists.get(user.id);
    if (current) clearTimeout(current.timer);
    if (isTyping) this.typists.set(user.id, { user, timer: setTimeout(() => this.setTypist(user, false), TYPING_STALE_MS) });
    else if (!current) return;
    else this.typists.delete(user.id);
    this.renderTyping();
  }

  private renderTyping(): void {
    const names = [...this.typists.values()].map((typist) => typist.user.displayName);
    let text = '';
    if (names.length === 1) text = `${names[0] ?? ''} is typing…`;
    else if (names.length === 2) text = `${names[0] ?? ''} and ${names[1] ?? ''} are typing…`;
    else if (names.length > 2) text = 'Several people are typing…';
    this.typingLine.replaceChildren();
    if (text) this.typingLine.append(h('span', { class: 'typing-dots', 'aria-hidden': 'true' }, h('i'), h('i'), h('i')), h('span', {}, text));
    this.typingLine.dataset.active = String(names.length > 0);
  }

  // ---- members and presence -----------------------------------------------------------------------

  private async loadMembers(): Promise<void> {
    this.presenceQueue = [];
    try {
      const members = await this.ctx.client.rest.rooms.members(this.room.id);
      this.members.clear();
      for (const member of members) this.members.set(member.user.id, member);
      // Roles change without an event: the member list is where we learn our own.
      const myRole = this.members.get(this.ctx.me.id)?.role;
      if (myRole && myRole !== this.room.role) this.applyRoom({ ...this.room, role: myRole });
      if (this.room.kind === 'group' && canModerate(this.room.role, 'member')) {
        const mutes = await this.ctx.client.rest.rooms.sanctions(this.room.id, 'mute').catch(() => null);
        if (mutes) {
          this.mutedUsers.clear();
          for (const mute of mutes) this.mutedUsers.set(mute.user.id, mute.until);
        }
      }
      for (const { userId, online } of this.presenceQueue) {
        const member = this.members.get(userId);
        if (member) member.online = online;
      }
    } catch (error) {
      toast(describeError(error, 'Could not load the member list'), { kind: 'error' });
    } finally {
      this.presenceQueue = null;
    }
    this.renderMembers();
    this.renderHeader();
  }

  private setOnline(user: User, online: boolean): void {
    this.presenceQueue?.push({ userId: user.id, online });
    const member = this.members.get(user.id);
    if (!member) return;
    member.online = online;
    if (!online) this.setTypist(user, false);
    this.renderMembers();
    this.renderHeader();
  }

  private setMembersOpen(open: boolean): void {
    this.element.dataset.members = open ? 'open' : 'closed';
    this.membersToggle.setAttribute('aria-expanded', String(open));
  }

  private renderMembers(): void {
    const sorted = [...this.members.values()].sort(
      (a, b) => Number(b.online) - Number(a.online) || a.user.displayName.localeCompare(b.user.displayName),
    );
    const online = sorted.filter((member) => member.online);
    const offline = sorted.filter((member) => !member.online);
    const group = (title: string, members: Member[]): HTMLElement | null =>
      members.length === 0
        ? null
        : h('section', { class: 'member-group' }, h('h3', {}, `${title} — ${members.length}`), h('ul', {}, ...members.map((member) => this.renderMember(member))));
    replaceChildren(this.memberLists, group('Online', online), group('Offline', offline));
  }

  private renderMember(member: Member): HTMLLIElement {
    const me = member.user.id === this.ctx.me.id;
    const avatar = h('div', { class: 'avatar small', 'aria-hidden': 'true' }, initials(member.user));
    avatar.style.setProperty('--hue', String(hueOf(member.user.id)));
    const roleLabel = member.role === 'member' ? '' : ` · ${member.role}`;
    const mutedUntil = this.mutedUsers.get(member.user.id);
    const muted = this.mutedUsers.has(member.user.id);
    const item = h(
      'li',
      {
        class: `member${member.online ? ' online' : ''}`,
        'data-testid': 'member-item',
        'data-username': member.user.username,
        'data-online': String(member.online),
        'data-role': member.role,
        'data-muted': String(muted),
      },
      h('div', { class: 'avatar-wrap' }, avatar, h('span', { class: 'presence-dot', title: member.online ? 'Online' : 'Offline' })),
      h(
        'div',
        { class: 'member-text' },
        h('span', { class: 'member-name' }, member.user.displayName, me ? h('span', { class: 'you-tag' }, 'you') : null),
        h(
          'span',
          { class: 'member-sub' },
          // First, so that a long name does not cut it off.
          muted ? h('span', { class: 'muted-tag', 'data-testid': 'member-muted', title: `Muted ${muteEnd(mutedUntil ?? null)}` }, 'muted') : null,
          `@${member.user.username}${roleLabel}`,
        ),
      ),
      h('span', { class: 'visually-hidden' }, member.online ? 'online' : 'offline'),
    );
    if (!me && this.room.kind !== 'direct') {
      const dm = h(
        'button',
        { type: 'button', class: 'icon-button', 'data-testid': 'member-message', 'aria-label': `Message ${member.user.displayName}`, title: 'Send a direct message' },
        icon('message'),
      );
      dm.addEventListener('click', () => this.ctx.openDirect(member.user));
      item.appendChild(dm);
    }
    if (!me && this.room.kind === 'group' && canModerate(this.room.role, member.role)) {
      const manage = h(
        'button',
        {
          type: 'button',
          class: 'icon-button',
          'data-testid': 'member-actions',
          'aria-label': `Moderate ${member.user.displayName}`,
          'aria-haspopup': 'dialog',
          title: 'Mute, kick, ban, role',
        },
        icon('more'),
      );
      manage.addEventListener('click', () =>
        memberActionsDialog({
          handle: this.handle,
          viewerRole: this.room.role,
          member,
          mutedUntil: muted ? (mutedUntil ?? null) : undefined,
          onChanged: () => void this.loadMembers(),
        }),
      );
      item.appendChild(manage);
    }
    return item;
  }

  // ---- header -------------------------------------------------------------------------------------

  private label(): string {
    if (this.room.kind === 'direct') {
      const other = [...this.members.values()].find((member) => member.user.id !== this.ctx.me.id);
      return other?.user.displayName ?? roomLabel(this.room, this.ctx.me);
    }
    if (this.room.kind === 'group_dm') return roomLabel(this.room, this.ctx.me);
    return `#${this.room.name}`;
  }

  private renderHeader(): void {
    const direct = this.room.kind === 'direct';
    this.title.textContent = direct || this.room.kind === 'group_dm' ? this.label() : this.room.name;
    replaceChildren(this.titleIcon, icon(direct ? 'at' : this.room.visibility === 'private' ? 'lock' : 'hash'));
    const parts: string[] = [];
    if (direct) {
      const other = [...this.members.values()].find((member) => member.user.id !== this.ctx.me.id);
      parts.push(other ? `@${other.user.username} · ${other.online ? 'online' : 'offline'}` : 'Direct message');
    } else {
      const kind = this.room.kind === 'group_dm' ? 'Group conversation' : this.room.visibility === 'private' ? 'Private room' : 'Public room';
      parts.push(kind, plural(this.members.size || this.room.memberCount, 'member'));
      if (this.room.description) parts.push(this.room.description);
    }
    this.subtitle.textContent = parts.join(' · ');
    this.subtitle.title = this.room.description;
    const online = [...this.members.values()].filter((member) => member.online).length;
    this.membersCount.textContent = `${online} online`;
    this.membersToggle.setAttribute('aria-label', `Members: ${online} online of ${this.members.size || this.room.memberCount}`);
    this.addMemberButton.hidden = !(this.room.kind === 'group' && this.room.visibility === 'private' && (this.room.role === 'owner' || this.room.role === 'admin'));
    this.moderationButton.hidden = !(this.room.kind === 'group' && canModerate(this.room.role, 'member'));
    if (!this.myMute) this.composer.placeholder = `Message ${this.label()}`;
    this.composer.setAttribute('aria-label', `Message ${this.label()}`);
  }

  private scheduleRead(): void {
    if (!this.active || !this.started || !this.ctx.isVisible(this.room.id)) return;
    if (!this.stickToBottom) return; // newer messages are below, unseen
    clearTimeout(this.markReadTimer);
    this.markReadTimer = setTimeout(() => this.flushRead(), 200);
  }

  private flushRead(): void {
    clearTimeout(this.markReadTimer);
    this.markReadTimer = undefined;
    this.ctx.onRead(this.room.id);
    const seq = this.handle.lastSeq;
    if (seq > this.readUpTo && this.handle.isJoined) {
      this.readUpTo = seq;
      this.handle.markRead(seq).catch(() => {
        this.readUpTo = 0; // try again next time
      });
    }
  }
}
