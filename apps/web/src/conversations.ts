import type { Conversation, ParleyClient, Room, User } from '@parley/client';
import { attachmentPreview } from './attachments';
import { openDialog } from './dialogs';
import { h, icon, replaceChildren, type Child, type IconName } from './dom';
import { describeError } from './errors';
import { hueOf, initials, roomLabel, shortTime } from './format';
import { toast } from './toasts';

/** What the sidebar needs from the application. */
export interface ConversationHost {
  readonly me: User;
  /** Opens a conversation (routes to it). */
  open(roomId: string): void;
  /** The conversation on screen, if any (its unread count shows as 0). */
  currentId(): string | null;
  isVisible(roomId: string): boolean;
  /** The list changed (the page title shows the totals). */
  onTotals(unreadMessages: number): void;
}

interface Item {
  li: HTMLLIElement;
  button: HTMLButtonElement;
  icon: HTMLSpanElement;
  name: HTMLSpanElement;
  time: HTMLSpanElement;
  preview: HTMLSpanElement;
  badge: HTMLSpanElement;
  mention: HTMLSpanElement;
  muted: HTMLSpanElement;
  menu: HTMLButtonElement;
}

/** At most this many pages are loaded at start (50 conversations each); the rest comes with "Show more". */
const INITIAL_PAGES = 4;

export function conversationIcon(room: Pick<Room, 'kind' | 'visibility'>): IconName {
  if (room.kind === 'direct') return 'at';
  if (room.kind === 'group_dm') return 'users';
  return room.visibility === 'private' ? 'lock' : 'hash';
}

/** What the list calls a conversation: a DM by the other user, a group DM by the others, a room by its name. */
export function conversationLabel(room: Pick<Room, 'kind' | 'name'>, me: User): string {
  return roomLabel(room, me);
}

/** A crossed-out bell (static markup, no user data). */
function mutedIcon(): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'icon');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', 'M6 16V11a6 6 0 0 1 9-5.2M18 11v5l2 2H6M10 21h4M3 3l18 18');
  svg.appendChild(path);
  return svg;
}

/**
 * The sidebar's live conversation list (issue 17 §3): rooms, DMs and group DMs by last activity, with the
 * newest message's preview, unread and mention badges, the user's own mute and archive, and a menu per
 * conversation (mute, archive, mark as unread). It renders `client.conversations`, which the SDK keeps current
 * from `conversation:updated` without refetching.
 */
export class ConversationSidebar {
  readonly element: HTMLElement;
  private readonly list = h('ul', { class: 'room-list conversation-list', 'data-testid': 'conversation-list' });
  private readonly archivedList = h('ul', { class: 'room-list conversation-list', 'data-testid': 'archived-list', hidden: true });
  private readonly archivedToggle = h('button', { type: 'button', class: 'side-link', 'data-testid': 'archived-toggle', 'aria-expanded': 'false' });
  private readonly more = h('button', { type: 'button', class: 'side-link', 'data-testid': 'conversations-more', hidden: true }, 'Show more');
  private readonly items = new Map<string, Item>();
  private showArchived = false;
  private started = false;
  private readonly cleanups: Array<() => void> = [];

  constructor(
    private readonly client: ParleyClient,
    private readonly host: ConversationHost,
  ) {
    this.archivedToggle.addEventListener('click', () => void this.toggleArchived());
    this.more.addEventListener('click', () => void this.client.conversations.loadMore().catch((error: unknown) => toast(describeError(error, 'Could not load more'), { kind: 'error' })));
    this.element = h(
      'div',
      { class: 'conversations' },
      h('h2', { class: 'side-heading' }, 'Conversations'),
      this.list,
      this.more,
      this.archivedToggle,
      this.archivedList,
    );
  }

  /** Watches the list once the socket is connected (the SDK watches again after every reconnect). */
  start(): void {
    this.cleanups.push(
      this.client.conversations.on('changed', () => this.render()),
      this.client.on('status', (status) => {
        if (status === 'connected' && !this.started) void this.watch();
      }),
    );
    if (this.client.status === 'connected') void this.watch();
    this.render();
  }

  stop(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }

  /** A conversation the application just opened, joined or created: make sure the list has it. */
  ensure(roomId: string): void {
    if (!this.client.conversations.get(roomId)) void this.client.conversations.refresh(roomId).catch(() => undefined);
  }

  render(): void {
    const focused = document.activeElement;
    const shown = this.client.conversations.items();
    const archived = this.client.conversations.archived();
    const keep = new Set([...shown, ...archived].map((entry) => entry.room.id));
    for (const [id, item] of this.items) {
      if (!keep.has(id)) {
        item.li.remove();
        this.items.delete(id);
      }
    }
    replaceChildren(this.list, ...(shown.length ? shown.map((entry) => this.item(entry).li) : [h('li', { class: 'side-note' }, 'No conversations yet: start one above.')]));
    replaceChildren(this.archivedList, ...archived.map((entry) => this.item(entry).li));
    this.archivedToggle.textContent = this.showArchived ? 'Hide archived' : 'Archived conversations';
    this.archivedToggle.setAttribute('aria-expanded', String(this.showArchived));
    this.archivedList.hidden = !this.showArchived;
    this.more.hidden = !this.client.conversations.hasMore;
    if (focused instanceof HTMLElement && focused.isConnected && focused !== document.activeElement) focused.focus();
    let unread = 0;
    for (const entry of shown) if (!entry.notificationsMuted && !this.host.isVisible(entry.room.id)) unread += entry.unreadCount;
    this.host.onTotals(unread);
  }

  /** The current conversation was read or changed on screen: re-render its row. */
  refreshCurrent(): void {
    this.render();
  }

  private async watch(): Promise<void> {
    this.started = true;
    try {
      await this.client.conversations.watch();
      for (let page = 1; page < INITIAL_PAGES && this.client.conversations.hasMore; page++) await this.client.conversations.loadMore();
    } catch (error) {
      this.started = false;
      toast(describeError(error, 'Could not load your conversations'), { kind: 'error' });
    }
  }

  private async toggleArchived(): Promise<void> {
    this.showArchived = !this.showArchived;
    if (this.showArchived) await this.client.conversations.loadArchived().catch((error: unknown) => toast(describeError(error, 'Could not load the archive'), { kind: 'error' }));
    this.render();
  }

  private item(entry: Conversation): Item {
    const { room } = entry;
    let item = this.items.get(room.id);
    if (!item) {
      const button = h('button', { type: 'button', class: 'room-item conversation-item', 'data-testid': 'room-item', 'data-room-id': room.id });
      const iconSlot = h('span', { class: 'room-icon', 'aria-hidden': 'true' });
      const name = h('span', { class: 'room-name' });
      const time = h('span', { class: 'conversation-time', 'data-testid': 'conversation-time' });
      const preview = h('span', { class: 'conversation-preview', 'data-testid': 'conversation-preview' });
      const badge = h('span', { class: 'badge', 'data-testid': 'unread-badge', hidden: true });
      const mention = h('span', { class: 'badge mention', 'data-testid': 'mention-badge', hidden: true, title: 'You were mentioned' }, '@');
      const muted = h('span', { class: 'muted-mark', 'data-testid': 'muted-mark', hidden: true, title: 'Notifications muted' }, mutedIcon());
      button.append(
        iconSlot,
        h('span', { class: 'conversation-text' }, h('span', { class: 'conversation-line' }, name, time), h('span', { class: 'conversation-line' }, preview, muted, mention, badge)),
      );
      button.addEventListener('click', () => this.host.open(room.id));
      const menu = h('button', { type: 'button', class: 'icon-button conversation-menu', 'data-testid': 'conversation-menu', 'aria-label': 'Conversation options' }, icon('more'));
      menu.addEventListener('click', (event) => {
        event.stopPropagation();
        this.openMenu(room.id, menu);
      });
      item = { li: h('li', { class: 'conversation-row' }, button, menu), button, icon: iconSlot, name, time, preview, badge, mention, muted, menu };
      this.items.set(room.id, item);
    }
    const label = conversationLabel(room, this.host.me);
    const visible = this.host.isVisible(room.id);
    const unread = visible ? 0 : entry.unreadCount;
    const mentions = visible ? 0 : entry.mentionCount;
    item.button.dataset.roomName = label;
    item.button.dataset.kind = room.kind;
    item.button.dataset.muted = String(entry.notificationsMuted);
    item.button.dataset.archived = String(entry.archived);
    item.name.textContent = label;
    item.time.textContent = entry.lastMessage ? shortTime(entry.lastActivityAt) : '';
    replaceChildren(item.preview, ...previewText(entry, this.host.me));
    item.preview.classList.toggle('deleted', entry.lastMessage?.deleted ?? false);
    replaceChildren(item.icon, icon(conversationIcon(room)));
    item.badge.hidden = unread === 0;
    item.badge.textContent = unread > 99 ? '99+' : String(unread);
    item.mention.hidden = mentions === 0;
    item.muted.hidden = !entry.notificationsMuted;
    item.button.classList.toggle('unread', unread > 0);
    item.button.classList.toggle('muted', entry.notificationsMuted);
    item.button.setAttribute('aria-label', [label, unread > 0 ? `${unread} unread` : '', mentions > 0 ? 'mentioned you' : '', entry.notificationsMuted ? 'muted' : ''].filter(Boolean).join(', '));
    if (room.id === this.host.currentId()) item.button.setAttribute('aria-current', 'page');
    else item.button.removeAttribute('aria-current');
    return item;
  }

  private openMenu(roomId: string, anchor: HTMLElement): void {
    const entry = this.client.conversations.get(roomId);
    if (!entry) return;
    document.querySelector('.conversation-popover')?.remove();
    const action = (label: string, testId: string, run: () => Promise<unknown>): HTMLButtonElement => {
      const button = h('button', { type: 'button', class: 'menu-item', role: 'menuitem', 'data-testid': testId }, label);
      button.addEventListener('click', () => {
        popover.remove();
        run().catch((error: unknown) => toast(describeError(error, 'That did not work'), { kind: 'error' }));
      });
      return button;
    };
    const lastSeq = entry.room.lastSeq;
    const popover = h(
      'div',
      { class: 'conversation-popover', role: 'menu', 'data-testid': 'conversation-popover' },
      action(entry.notificationsMuted ? 'Unmute notifications' : 'Mute notifications', 'conversation-mute', () =>
        this.client.conversations.setNotificationsMuted(roomId, !entry.notificationsMuted),
      ),
      action(entry.archived ? 'Unarchive' : 'Archive', 'conversation-archive', () => this.client.conversations.setArchived(roomId, !entry.archived)),
      lastSeq > 0 && entry.unreadCount === 0 ? action('Mark as unread', 'conversation-unread', () => this.client.conversations.markUnread(roomId, lastSeq)) : null,
    );
    anchor.closest('li')?.append(popover);
    const close = (event: Event): void => {
      if (event instanceof KeyboardEvent && event.key !== 'Escape') return;
      if (event.target instanceof Node && popover.contains(event.target)) return;
      popover.remove();
      document.removeEventListener('click', close, true);
      document.removeEventListener('keydown', close, true);
    };
    document.addEventListener('click', close, true);
    document.addEventListener('keydown', close, true);
    popover.querySelector<HTMLButtonElement>('button')?.focus();
  }
}

function previewText(entry: Conversation, me: User): Child[] {
  const message = entry.lastMessage;
  if (!message) return [entry.room.kind === 'group' ? 'No messages yet' : 'Say hello'];
  if (message.deleted) return ['Message deleted'];
  // A system message's preview is its whole line ("Bob joined"): it names who did it already.
  if (message.type === 'system') return [message.preview];
  const who = message.author.id === me.id ? 'You' : message.author.displayName;
  // Photos and files: an icon, and "Photo" / "File" when they came without text.
  return [`${who}: `, ...attachmentPreview(message.type, message.preview)];
}

/**
 * "New group": pick 2–8 people, then open (or find) the group DM of that set. `onOpened` gets the room.
 */
export function groupDmDialog(client: ParleyClient, me: User, onOpened: (room: Room) => void): void {
  const chosen = new Map<string, User>();
  const inputId = 'group-dm-search';
  const input = h('input', { id: inputId, type: 'search', class: 'input', autocomplete: 'off', placeholder: 'Start typing a name…', 'data-testid': 'group-dm-search' });
  const results = h('ul', { class: 'pick-list', 'data-testid': 'group-dm-results', 'aria-live': 'polite' });
  const picked = h('ul', { class: 'chips', 'data-testid': 'group-dm-chosen', 'aria-label': 'People in the group' });
  const submit = h('button', { type: 'button', class: 'button primary', 'data-testid': 'group-dm-submit', disabled: true }, 'Start group');
  const dialog = openDialog(
    'New group conversation',
    'group-dm-dialog',
    h('p', { class: 'dialog-lead' }, 'Pick 2 to 8 people. The same people always get the same conversation.'),
    h('label', { for: inputId, class: 'field-label' }, 'Add people'),
    input,
    results,
    picked,
    h('div', { class: 'dialog-actions' }, submit),
  );
  const renderChosen = (): void => {
    replaceChildren(
      picked,
      ...[...chosen.values()].map((user) => {
        const remove = h('button', { type: 'button', class: 'chip', 'data-testid': 'group-dm-chip', 'data-username': user.username, 'aria-label': `Remove ${user.displayName}` }, user.displayName, ' ×');
        remove.addEventListener('click', () => {
          chosen.delete(user.id);
          renderChosen();
        });
        return h('li', {}, remove);
      }),
    );
    submit.disabled = chosen.size < 2 || chosen.size > 8;
  };
  let generation = 0;
  const search = async (): Promise<void> => {
    const query = input.value.trim();
    const mine = ++generation;
    if (!query) return replaceChildren(results);
    try {
      const users = (await client.rest.users.search(query, 20)).filter((user) => user.id !== me.id && !chosen.has(user.id));
      if (mine !== generation) return;
      replaceChildren(
        results,
        ...(users.length
          ? users.map((user) => {
              const avatar = h('span', { class: 'avatar small', 'aria-hidden': 'true' }, initials(user));
              avatar.style.setProperty('--hue', String(hueOf(user.id)));
              const button = h(
                'button',
                { type: 'button', class: 'pick-item', 'data-testid': 'group-dm-result', 'data-username': user.username },
                avatar,
                h('span', { class: 'pick-text' }, h('span', { class: 'pick-name' }, user.displayName), h('span', { class: 'pick-sub' }, `@${user.username}`)),
                h('span', { class: 'pick-action' }, 'Add'),
              );
              button.addEventListener('click', () => {
                if (chosen.size >= 8) return dialog.setError('A group has at most 8 other people.');
                chosen.set(user.id, user);
                input.value = '';
                replaceChildren(results);
                renderChosen();
                input.focus();
              });
              return h('li', {}, button);
            })
          : [h('li', { class: 'pick-note' }, `Nobody found for “${query}”.`)]),
      );
    } catch (error) {
      dialog.setError(describeError(error, 'Could not search'));
    }
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void search(), 200);
  });
  submit.addEventListener('click', () => {
    submit.disabled = true;
    client.rest.rooms.openGroupDm([...chosen.keys()]).then(
      (room) => {
        dialog.close();
        onOpened(room);
      },
      (error: unknown) => {
        submit.disabled = false;
        dialog.setError(describeError(error, 'Could not start the group'));
      },
    );
  });
  input.focus();
}
