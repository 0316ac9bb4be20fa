import { ParleyError, type ConnectionStatus, type Notification, type ParleyClient, type Room, type SessionEndReason, type User } from '@parley/client';
import { ChatView, type ChatContext } from './chat-view';
import { ConversationSidebar, groupDmDialog } from './conversations';
import { openDialog } from './dialogs';
import { h, icon, replaceChildren, type IconName } from './dom';
import { describeError } from './errors';
import { hueOf, initials, roomLabel } from './format';
import { PeoplePanel } from './people';
import { userPicker } from './pickers';
import { searchBox } from './search';
import { toast } from './toasts';

/** What the sign-in screen says when the server ended the session. */
const SESSION_END_NOTICES: Record<SessionEndReason, string> = {
  logout: 'You were signed out. Please sign in again.',
  refresh_token_reuse: 'Your session was ended for safety (its token was used twice). Please sign in again.',
  password_changed: 'Your password was changed in another session. Please sign in with the new one.',
  account_suspended: 'This account has been suspended.',
  account_deleted: 'This account has been deleted.',
};

const STATUS_TEXT: Record<ConnectionStatus, string> = {
  connected: 'Connected',
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
  disconnected: 'Offline',
};

/** The signed-in application: sidebar (rooms, DMs, actions, status) and the open room. Route: `#/room/<id>`. */
export class App implements ChatContext {
  readonly me: User;
  private readonly rooms = new Map<string, Room>();
  private readonly views = new Map<string, ChatView>();
  private current: ChatView | null = null;
  private currentId: string | null = null;
  private routeToken = 0;
  private hadConnection = false;
  private signingOut = false;
  private sessionEndNotice?: string;
  private readonly seenAnnouncements = new Set<string>();
  private readonly cleanups: Array<() => void> = [];
  private bannerTimer?: ReturnType<typeof setTimeout>;

  private readonly shell: HTMLDivElement;
  private readonly main: HTMLElement;
  /** The sidebar's live conversation list (conversations.ts). */
  private readonly conversations: ConversationSidebar;
  private readonly status = h('span', { class: 'status', 'data-testid': 'connection-status', role: 'status' });
  private readonly banner = h('div', { class: 'conn-banner', 'data-testid': 'connection-banner', role: 'status', hidden: true });
  private readonly empty: HTMLElement;
  private readonly people: PeoplePanel;

  constructor(
    readonly client: ParleyClient,
    private readonly root: HTMLElement,
    private readonly onSignedOut: (notice?: string) => void,
  ) {
    const me = client.user;
    if (!me) throw new Error('App started without a session');
    this.me = me;
    this.conversations = new ConversationSidebar(client, {
      me,
      open: (roomId) => this.navigate(roomId),
      currentId: () => this.currentId,
      isVisible: (roomId) => this.isVisible(roomId),
      onTotals: (unread) => (document.title = unread > 0 ? `(${unread}) Parley` : 'Parley'),
    });

    const avatar = h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(me));
    avatar.style.setProperty('--hue', String(hueOf(me.id)));
    const signOut = h('button', { type: 'button', class: 'icon-button', 'data-testid': 'sign-out', 'aria-label': 'Sign out', title: 'Sign out' }, icon('logout'));
    signOut.addEventListener('click', () => void this.signOut());
    const action = (label: string, iconName: IconName, testId: string, run: () => void): HTMLButtonElement => {
      const button = h('button', { type: 'button', class: 'side-action', 'data-testid': testId }, icon(iconName), h('span', {}, label));
      button.addEventListener('click', run);
      return button;
    };
    this.people = new PeoplePanel(client, me);
    const sidebar = h(
      'aside',
      { class: 'sidebar', 'data-testid': 'sidebar', 'aria-label': 'Rooms and conversations' },
      h('header', { class: 'sidebar-head' }, h('div', { class: 'brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'Parley'), this.status),
      h(
        'div',
        { class: 'me', 'data-testid': 'current-user' },
        avatar,
        h('div', { class: 'me-text' }, h('span', { class: 'me-name', 'data-testid': 'current-user-name' }, me.displayName), h('span', { class: 'me-sub' }, `@${me.username}`)),
        signOut,
      ),
      searchBox({ client, me, openRoom: (roomId) => this.navigate(roomId) }),
      this.people.statusElement,
      h(
        'div',
        { class: 'side-actions' },
        action('New room', 'plus', 'new-room', () => this.createRoomDialog()),
        action('Browse', 'search', 'browse-rooms', () => void this.browseDialog()),
        action('Message', 'message', 'new-dm', () => this.directDialog()),
        action('Group', 'users', 'new-group-dm', () => groupDmDialog(this.client, this.me, (room) => this.openRoom(room))),
      ),
      h('nav', { class: 'room-nav', 'aria-label': 'Your conversations' }, this.conversations.element, this.people.contactsElement),
    );
    const createButton = h('button', { type: 'button', class: 'button primary' }, 'Create a room');
    createButton.addEventListener('click', () => this.createRoomDialog());
    const browseButton = h('button', { type: 'button', class: 'button secondary' }, 'Browse public rooms');
    browseButton.addEventListener('click', () => void this.browseDialog());
    this.empty = h(
      'div',
      { class: 'empty-state', 'data-testid': 'empty-state' },
      h('div', { class: 'empty-art', 'aria-hidden': 'true' }, icon('message')),
      h('h1', {}, `Hi ${me.displayName}!`),
      h('p', {}, 'Pick a conversation on the left, or start a new one.'),
      h('div', { class: 'empty-actions' }, createButton, browseButton),
    );
    this.main = h('main', { class: 'main', 'data-testid': 'main' }, this.empty);
    this.shell = h('div', { class: 'shell', 'data-testid': 'app', 'data-view': 'list' }, sidebar, this.main, this.banner);
  }

  // ---- lifecycle ----------------------------------------------------------------------------------

  async start(): Promise<void> {
    replaceChildren(this.root, this.shell);
    this.root.removeAttribute('aria-busy');
    this.cleanups.push(
      this.client.on('status', (status) => this.onStatus(status)),
      this.client.on('notification', (notification) => this.onNotification(notification)),
      this.client.on('announcement', (event) => this.announce(event.content, event.createdAt)),
      this.client.on('error', (error) => toast(describeLiveError(error), { kind: 'error' })),
      this.client.on('sessionEnded', ({ reason }) => (this.sessionEndNotice = SESSION_END_NOTICES[reason])),
      this.client.on('session', (session) => {
        if (!session && !this.signingOut) this.end(this.sessionEndNotice ?? 'Your session has ended. Please sign in again.');
      }),
      () => this.conversations.stop(),
      () => this.people.stop(),
      listen(window, 'hashchange', () => void this.route()),
      listen(document, 'visibilitychange', () => {
        if (document.visibilityState === 'visible') this.current?.onVisible();
      }),
    );
    this.onStatus(this.client.status);
    this.conversations.start();
    this.client.connect();
    this.client.startNotifications();
    void this.people.start();
    await this.loadRooms();
    await this.route();
  }

  private end(notice?: string): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    for (const view of this.views.values()) view.destroy();
    this.views.clear();
    clearTimeout(this.bannerTimer);
    this.client.disconnect();
    this.client.stopNotifications();
    if (location.hash) history.replaceState(null, '', location.pathname + location.search);
    this.onSignedOut(notice);
  }

  private async signOut(): Promise<void> {
    this.signingOut = true;
    for (const view of this.views.values()) view.suspend();
    await this.client.logout();
    this.end();
  }

  // ---- rooms ----------------------------------------------------------------------------------------

  private async loadRooms(): Promise<void> {
    try {
      const rooms = await this.client.rest.rooms.list({ joined: true });
      this.rooms.clear();
      for (const room of rooms) this.rooms.set(room.id, room);
      if (this.currentId && this.isVisible(this.currentId)) this.setUnread(this.currentId, 0, false);
      this.syncRoomList();
    } catch (error) {
      // A refused session is handled by the `session` listener (back to the sign-in screen).
      if (error instanceof ParleyError && error.code === 'unauthorized') return;
      toast(describeError(error, 'Could not load your rooms'), { kind: 'error' });
    }
  }

  private addRoom(room: Room): void {
    const known = this.rooms.get(room.id);
    this.rooms.set(room.id, { ...room, unreadCount: known?.unreadCount ?? room.unreadCount });
    this.conversations.ensure(room.id);
    this.syncRoomList();
  }

  /** A room or DM the user just created, opened or joined: into the list, and on screen. */
  private openRoom(room: Room): void {
    this.addRoom(room);
    this.navigate(room.id);
  }

  private removeRoom(roomId: string): void {
    this.rooms.delete(roomId);
    this.views.get(roomId)?.destroy();
    this.views.delete(roomId);
    if (this.currentId === roomId) {
      this.current = null;
      this.currentId = null;
      this.showEmpty();
      this.navigate(null);
    }
    this.syncRoomList();
  }

  private async ensureRoom(roomId: string): Promise<Room | undefined> {
    const known = this.rooms.get(roomId);
    if (known) return known;
    const room = await this.client.rest.rooms.get(roomId);
    const joined = room.joined ? room : await this.client.rest.rooms.join(roomId);
    this.addRoom(joined);
    return this.rooms.get(roomId);
  }

  /** The sidebar shows the live conversation list (conversations.ts): re-render it. */
  private syncRoomList(): void {
    this.conversations.render();
  }

  private setUnread(roomId: string, value: number | ((current: number) => number), render = true): void {
    const room = this.rooms.get(roomId);
    if (!room) return;
    room.unreadCount = typeof value === 'number' ? value : value(room.unreadCount ?? 0);
    if (render) this.conversations.render();
  }

  // ---- routing --------------------------------------------------------------------------------------

  private navigate(roomId: string | null): void {
    const hash = roomId ? `#/room/${encodeURIComponent(roomId)}` : '#/';
    if (location.hash !== hash) location.hash = hash;
    else void this.route();
  }

  private async route(): Promise<void> {
    const match = /^#\/room\/(.+)$/.exec(location.hash);
    const roomId = match?.[1] ? decodeURIComponent(match[1]) : null;
    if (roomId === this.currentId && (roomId === null || this.current)) return;
    const token = ++this.routeToken;
    if (this.current) {
      this.current.suspend();
      this.current.element.remove();
      this.current = null;
    }
    this.currentId = roomId;
    this.markCurrent();
    if (!roomId) return this.showEmpty();
    let room: Room | undefined;
    try {
      room = await this.ensureRoom(roomId);
    } catch (error) {
      if (token !== this.routeToken) return;
      toast(describeError(error, 'Could not open that room'), { kind: 'error' });
      this.currentId = null;
      this.showEmpty();
      this.navigate(null);
      return;
    }
    if (token !== this.routeToken || !room) return;
    let view = this.views.get(roomId);
    if (!view) {
      view = new ChatView(this, room);
      this.views.set(roomId, view);
    }
    this.current = view;
    replaceChildren(this.main, view.element);
    this.shell.dataset.view = 'chat';
    this.markCurrent();
    if (window.matchMedia('(pointer: fine)').matches) view.focusComposer();
    await view.open();
  }

  private showEmpty(): void {
    replaceChildren(this.main, this.empty);
    this.shell.dataset.view = 'list';
    this.markCurrent();
  }

  private markCurrent(): void {
    this.conversations.render();
  }

  // ---- ChatContext ------------------------------------------------------------------------------------

  isVisible(roomId: string): boolean {
    return this.currentId === roomId && this.current !== null && document.visibilityState === 'visible';
  }

  onRead(roomId: string): void {
    this.setUnread(roomId, 0);
  }

  onRoomChanged(room: Room): void {
    const known = this.rooms.get(room.id);
    if (!known) return;
    this.rooms.set(room.id, { ...known, name: room.name, description: room.description, memberCount: room.memberCount, role: room.role ?? known.role });
    this.syncRoomList();
  }

  onClosed(roomId: string, reason: 'deleted' | 'removed'): void {
    const room = this.rooms.get(roomId);
    const name = room ? roomLabel(room, this.me) : 'A room';
    toast(reason === 'deleted' ? `${name} was deleted.` : `You are no longer a member of ${name}.`, { kind: 'info' });
    this.removeRoom(roomId);
  }

  back(): void {
    this.navigate(null);
  }

  openDirect(user: User): void {
    void this.client.rest.rooms.openDirect(user.id).then(
      (room) => {
        this.addRoom(room);
        this.navigate(room.id);
      },
      (error: unknown) => toast(describeError(error, `Could not start a conversation with ${user.displayName}`), { kind: 'error' }),
    );
  }

  addMembers(room: Room): void {
    if (room.kind === 'group_dm') return this.addToGroupDm(room);
    const exclude = this.excludingMembers(room);
    const dialog = openDialog(`Add people to ${room.name}`, 'add-member-dialog');
    const picker = userPicker(this.client, {
      label: 'Find people',
      actionLabel: 'Add',
      exclude: () => exclude,
      onError: (message) => dialog.setError(message),
      onPick: async (user) => {
        await this.client.rest.rooms.addMember(room.id, user.id);
        exclude.add(user.id);
        dialog.close();
        toast(`${user.displayName} was added to ${room.name}.`, { kind: 'success' });
      },
    });
    dialog.body.append(h('p', { class: 'dialog-lead' }, 'Only members can see a private room. People you add are notified.'), picker.element);
    picker.focus();
  }

  /** Who a picker for `room` leaves out: oneself now, and its members once they are read. */
  private excludingMembers(room: Room): Set<string> {
    const exclude = new Set<string>([this.me.id]);
    void this.client.rest.rooms.members(room.id).then(
      (members) => members.forEach((member) => exclude.add(member.user.id)),
      () => undefined,
    );
    return exclude;
  }

  /** Adding someone to a group DM opens the group DM of the new set (this one stays as it is). */
  private addToGroupDm(room: Room): void {
    const dialog = openDialog('Add people: a new group', 'add-member-dialog');
    const exclude = this.excludingMembers(room);
    const picker = userPicker(this.client, {
      label: 'Find people',
      actionLabel: 'Add',
      exclude: () => exclude,
      onError: (message) => dialog.setError(message),
      onPick: async (user) => {
        const bigger = await this.client.rest.rooms.addToGroupDm(room.id, [user.id]);
        dialog.close();
        this.openRoom(bigger);
      },
    });
    dialog.body.append(h('p', { class: 'dialog-lead' }, 'The same people always share one conversation: adding someone opens the group with them, and this one stays as it is.'), picker.element);
    picker.focus();
  }

  // ---- realtime status and notifications -----------------------------------------------------------

  private onStatus(status: ConnectionStatus): void {
    this.status.dataset.status = status;
    this.status.textContent = STATUS_TEXT[status];
    this.shell.dataset.connection = status;
    clearTimeout(this.bannerTimer);
    if (status === 'connected') {
      this.banner.hidden = true;
      if (this.hadConnection) {
        // Events may have been missed while away: refresh the unread counts and presence.
        void this.loadRooms();
        this.current?.onReconnected();
      }
      this.hadConnection = true;
    } else if (status === 'reconnecting' || status === 'disconnected') {
      // A short blip is not worth a banner.
      this.bannerTimer = setTimeout(() => {
        this.banner.textContent =
          status === 'disconnected' ? 'You are offline.' : 'Reconnecting… Messages you send will go out once the connection is back.';
        this.banner.hidden = false;
      }, 1500);
    }
  }

  private onNotification(notification: Notification): void {
    switch (notification.event) {
      case 'message.created': {
        const { roomId, author } = notification.data;
        if (author.id === this.me.id || this.isVisible(roomId)) return;
        if (this.rooms.has(roomId)) this.setUnread(roomId, (count) => count + 1);
        else void this.refreshRoom(roomId);
        return;
      }
      case 'mention': {
        const { roomId, author, preview } = notification.data;
        if (this.isVisible(roomId)) return;
        const room = this.rooms.get(roomId);
        const where = room ? (room.kind === 'direct' ? 'a direct message' : `#${room.name}`) : 'a room';
        toast(preview, {
          kind: 'mention',
          title: `${author.displayName} mentioned you in ${where}`,
          action: { label: 'Open', run: () => this.navigate(roomId) },
          timeoutMs: 10_000,
        });
        return;
      }
      case 'dm.created': {
        const room = notification.data;
        this.addRoom(room);
        toast(`@${roomLabel(room, this.me)} started a conversation with you.`, { kind: 'info', action: { label: 'Open', run: () => this.navigate(room.id) } });
        return;
      }
      case 'room.invited': {
        const room = notification.data;
        this.addRoom(room);
        toast(`You were added to ${room.name}.`, { kind: 'info', action: { label: 'Open', run: () => this.navigate(room.id) } });
        return;
      }
      case 'room.created':
        if (notification.data.joined) this.addRoom(notification.data);
        return;
      case 'member.joined':
        if (notification.data.user.id === this.me.id && !this.rooms.has(notification.data.roomId)) void this.refreshRoom(notification.data.roomId);
        return;
      case 'member.left':
        if (notification.data.user.id === this.me.id && this.rooms.has(notification.data.roomId)) {
          if (this.views.has(notification.data.roomId)) this.onClosed(notification.data.roomId, 'removed');
          else this.removeRoom(notification.data.roomId);
        }
        return;
      case 'announcement':
        this.announce(notification.data.content, notification.data.createdAt);
        return;
    }
  }

  private async refreshRoom(roomId: string): Promise<void> {
    try {
      const room = await this.client.rest.rooms.get(roomId);
      if (room.joined) this.addRoom(room);
    } catch {
      // Not visible to us (any more): nothing to show.
    }
  }

  /** Announcements arrive on both the socket and the notification stream: show each once. */
  private announce(content: string, createdAt: string): void {
    const key = `${createdAt}|${content}`;
    if (this.seenAnnouncements.has(key)) return;
    this.seenAnnouncements.add(key);
    toast(content, { kind: 'announcement', title: 'Announcement', timeoutMs: 0 });
  }

  // ---- dialogs --------------------------------------------------------------------------------------

  private createRoomDialog(): void {
    const name = h('input', { id: 'new-room-name', class: 'input', maxlength: 64, required: true, autocomplete: 'off', 'data-testid': 'new-room-name' });
    const description = h('textarea', { id: 'new-room-description', class: 'input', maxlength: 500, rows: 2, 'data-testid': 'new-room-description' });
    const radio = (value: 'public' | 'private', title: string, text: string): HTMLLabelElement =>
      h(
        'label',
        { class: 'choice' },
        h('input', { type: 'radio', name: 'visibility', value, checked: value === 'public', 'data-testid': `new-room-${value}` }),
        h('span', { class: 'choice-text' }, h('strong', {}, title), h('small', {}, text)),
      );
    const submit = h('button', { type: 'submit', class: 'button primary', 'data-testid': 'new-room-submit' }, 'Create room');
    const cancel = h('button', { type: 'button', class: 'button secondary' }, 'Cancel');
    const form = h(
      'form',
      { class: 'dialog-form', novalidate: true },
      h('div', { class: 'field' }, h('label', { for: 'new-room-name' }, 'Name'), name),
      h('div', { class: 'field' }, h('label', { for: 'new-room-description' }, 'Description ', h('span', { class: 'optional' }, '(optional)')), description),
      h(
        'fieldset',
        { class: 'choices' },
        h('legend', {}, 'Who can join'),
        radio('public', 'Public', 'Anyone can find and join it.'),
        radio('private', 'Private', 'Only people you add.'),
      ),
      h('div', { class: 'dialog-actions' }, cancel, submit),
    );
    const dialog = openDialog('Create a room', 'new-room-dialog', form);
    cancel.addEventListener('click', () => dialog.close());
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const roomName = name.value.trim();
      if (!roomName) {
        dialog.setError('Give the room a name.');
        name.focus();
        return;
      }
      const visibility = form.querySelector<HTMLInputElement>('input[name=visibility]:checked')?.value === 'private' ? 'private' : 'public';
      submit.disabled = true;
      this.client.rest.rooms
        .create({ name: roomName, visibility, ...(description.value.trim() ? { description: description.value.trim() } : {}) })
        .then(
          (room) => {
            dialog.close();
            this.addRoom(room);
            this.navigate(room.id);
          },
          (error: unknown) => {
            dialog.setError(describeError(error, 'Could not create the room'));
            name.focus();
          },
        )
        .finally(() => (submit.disabled = false));
    });
    name.focus();
  }

  private async browseDialog(): Promise<void> {
    const filterId = 'browse-filter';
    const filter = h('input', { id: filterId, type: 'search', class: 'input', placeholder: 'Filter by name…', autocomplete: 'off', 'data-testid': 'browse-filter' });
    const list = h('ul', { class: 'pick-list browse-list', 'data-testid': 'browse-list', 'aria-live': 'polite' }, h('li', { class: 'pick-note' }, 'Loading rooms…'));
    const dialog = openDialog(
      'Browse public rooms',
      'browse-dialog',
      h('label', { for: filterId, class: 'field-label' }, 'Find a room'),
      h('div', { class: 'search-box' }, icon('search'), filter),
      list,
    );
    filter.focus();
    let rooms: Room[] = [];
    const render = (): void => {
      const query = filter.value.trim().toLowerCase();
      const shown = rooms.filter((room) => !query || room.name.toLowerCase().includes(query) || room.description.toLowerCase().includes(query));
      if (shown.length === 0) {
        replaceChildren(list, h('li', { class: 'pick-note' }, rooms.length ? 'No room matches.' : 'There are no public rooms yet. Create the first one!'));
        return;
      }
      replaceChildren(
        list,
        ...shown.map((room) => {
          const button = h(
            'button',
            { type: 'button', class: 'pick-item', 'data-testid': 'browse-room', 'data-room-name': room.name },
            h('span', { class: 'room-icon', 'aria-hidden': 'true' }, icon('hash')),
            h(
              'span',
              { class: 'pick-text' },
              h('span', { class: 'pick-name' }, room.name),
              h('span', { class: 'pick-sub' }, [`${room.memberCount} member${room.memberCount === 1 ? '' : 's'}`, room.description].filter(Boolean).join(' · ')),
            ),
            h('span', { class: `pick-action${room.joined ? ' joined' : ''}` }, room.joined ? 'Open' : 'Join'),
          );
          button.addEventListener('click', () => {
            button.disabled = true;
            const join = room.joined ? Promise.resolve(room) : this.client.rest.rooms.join(room.id);
            join.then(
              (joined) => {
                dialog.close();
                this.addRoom(joined);
                this.navigate(joined.id);
              },
              (error: unknown) => {
                button.disabled = false;
                dialog.setError(describeError(error, `Could not join ${room.name}`));
              },
            );
          });
          return h('li', {}, button);
        }),
      );
    };
    filter.addEventListener('input', render);
    try {
      rooms = (await this.client.rest.rooms.list()).filter((room) => room.kind === 'group' && room.visibility === 'public');
      rooms.sort((a, b) => Number(a.joined) - Number(b.joined) || b.memberCount - a.memberCount || a.name.localeCompare(b.name));
      render();
    } catch (error) {
      replaceChildren(list);
      dialog.setError(describeError(error, 'Could not load the rooms'));
    }
  }

  private directDialog(): void {
    const dialog = openDialog('New direct message', 'dm-dialog');
    const picker = userPicker(this.client, {
      label: 'Who do you want to talk to?',
      actionLabel: 'Message',
      exclude: () => new Set([this.me.id]),
      onError: (message) => dialog.setError(message),
      onPick: async (user) => {
        const room = await this.client.rest.rooms.openDirect(user.id);
        dialog.close();
        this.addRoom(room);
        this.navigate(room.id);
      },
    });
    dialog.body.append(picker.element);
    picker.focus();
  }
}

/**
 * The SDK reports a notification stream that keeps failing (and failed catch-ups) here. A failed fetch
 * arrives as code `internal` with the TypeError's text, so it is told apart from a real server error.
 */
function describeLiveError(error: ParleyError): string {
  if (error.code === 'network' || (error.code === 'internal' && /^TypeError\b|fetch|network/i.test(error.message))) {
    return 'Live notifications are interrupted (cannot reach the server). Parley keeps retrying.';
  }
  return describeError(error, 'Live updates');
}

function listen(target: EventTarget, type: string, listener: () => void): () => void {
  target.addEventListener(type, listener);
  return () => target.removeEventListener(type, listener);
}
