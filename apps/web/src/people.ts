import type { ChosenStatus, Contact, ParleyClient, User, UserStatus } from '@parley/client';
import { confirmDialog, openDialog } from './dialogs';
import { h, icon, replaceChildren } from './dom';
import { describeError } from './errors';
import { hueOf, initials, shortTime } from './format';
import { userPicker } from './pickers';
import { toast } from './toasts';

const STATUS_LABELS: Record<UserStatus['status'], string> = { online: 'Online', away: 'Away', busy: 'Busy', offline: 'Offline' };
const CHOICES: ChosenStatus[] = ['online', 'away', 'busy'];

/** A coloured dot for a status, with its name for screen readers. */
export function statusDot(status: UserStatus['status'], testId?: string): HTMLSpanElement {
  return h('span', { class: `status-dot status-${status}`, role: 'img', 'aria-label': STATUS_LABELS[status], title: STATUS_LABELS[status], 'data-testid': testId, 'data-status': status });
}

/** "Online", "Busy · In a meeting", "Last seen 14:05". */
function describeStatus(status: UserStatus): string {
  const base = status.status === 'offline' ? (status.lastSeenAt ? `Last seen ${shortTime(status.lastSeenAt)}` : 'Offline') : STATUS_LABELS[status.status];
  return status.statusText ? `${base} · ${status.statusText}` : base;
}

/**
 * The sidebar's people section (contract §10): one's own status picker (status and text), and the contacts with
 * their live status dots, to add, remove and block. Statuses come from the SDK (`client.statuses`): contacts are
 * watched by the server by themselves.
 */
export class PeoplePanel {
  /** One's own status and text, under one's name. */
  readonly statusElement: HTMLElement;
  /** The contacts, for the sidebar's list of conversations. */
  readonly contactsElement: HTMLElement;
  private readonly contacts = new Map<string, Contact>();
  private readonly list = h('ul', { class: 'contact-list', 'data-testid': 'contact-list' });
  private readonly myDot: HTMLSpanElement;
  private readonly mySummary = h('span', { class: 'my-status-text', 'data-testid': 'my-status-summary' }, 'Online');
  private readonly cleanups: Array<() => void> = [];

  constructor(
    private readonly client: ParleyClient,
    private readonly me: User,
  ) {
    this.myDot = statusDot('online', 'my-status-dot');
    const statusButton = h('button', { type: 'button', class: 'my-status', 'data-testid': 'status-button', 'aria-label': 'Set your status' }, this.myDot, this.mySummary);
    statusButton.addEventListener('click', () => this.statusDialog());
    const addButton = h('button', { type: 'button', class: 'icon-button small', 'data-testid': 'add-contact', 'aria-label': 'Add a contact', title: 'Add a contact' }, icon('userPlus'));
    addButton.addEventListener('click', () => this.addDialog());
    this.statusElement = h('div', { class: 'my-status-row' }, statusButton);
    this.contactsElement = h(
      'section',
      { class: 'people', 'data-testid': 'people', 'aria-label': 'Contacts' },
      h('div', { class: 'side-heading-row' }, h('h2', { class: 'side-heading' }, 'Contacts'), addButton),
      this.list,
    );
  }

  async start(): Promise<void> {
    this.cleanups.push(this.client.on('userStatus', (status) => this.onStatus(status)));
    try {
      // Watched rather than read over REST: the watch's answer comes once this socket counts as connected (a REST
      // read racing the connection said "offline"), and it is asked again after every reconnect.
      await this.client.statuses.watch([this.me.id]);
      for (const contact of await this.client.rest.contacts.list()) this.contacts.set(contact.user.id, contact);
      this.render();
    } catch (error) {
      toast(describeError(error, 'Could not load your contacts'), { kind: 'error' });
    }
  }

  stop(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }

  private onStatus(status: UserStatus): void {
    if (status.userId === this.me.id) this.showMine(status);
    const contact = this.contacts.get(status.userId);
    if (!contact) return;
    contact.status = status;
    this.render();
  }

  private showMine(status: UserStatus): void {
    this.myDot.className = `status-dot status-${status.status}`;
    this.myDot.dataset.status = status.status;
    this.myDot.setAttribute('aria-label', STATUS_LABELS[status.status]);
    this.mySummary.textContent = status.statusText ? `${STATUS_LABELS[status.status]} · ${status.statusText}` : STATUS_LABELS[status.status];
  }

  private render(): void {
    const contacts = [...this.contacts.values()].sort((a, b) => a.user.username.localeCompare(b.user.username));
    if (contacts.length === 0) {
      replaceChildren(this.list, h('li', { class: 'pick-note' }, 'No contacts yet.'));
      return;
    }
    replaceChildren(this.list, ...contacts.map((contact) => this.item(contact)));
  }

  private item(contact: Contact): HTMLLIElement {
    const { user, status } = contact;
    const avatar = h('span', { class: 'avatar small', 'aria-hidden': 'true' }, initials(user));
    avatar.style.setProperty('--hue', String(hueOf(user.id)));
    const remove = h('button', { type: 'button', class: 'icon-button small', 'data-testid': 'remove-contact', 'aria-label': `Remove ${user.displayName}`, title: 'Remove' }, icon('close'));
    remove.addEventListener('click', () => void this.remove(user));
    const block = h('button', { type: 'button', class: 'icon-button small', 'data-testid': 'block-contact', 'aria-label': `Block ${user.displayName}`, title: 'Block' }, icon('shield'));
    block.addEventListener('click', () => void this.block(user));
    return h(
      'li',
      { class: 'contact', 'data-testid': 'contact', 'data-username': user.username, 'data-status': status.status },
      h('span', { class: 'contact-avatar' }, avatar, statusDot(status.status, 'contact-status')),
      h('span', { class: 'contact-text' }, h('span', { class: 'contact-name' }, user.displayName), h('span', { class: 'contact-sub', 'data-testid': 'contact-status-text', title: describeStatus(status) }, describeStatus(status))),
      remove,
      block,
    );
  }

  private statusDialog(): void {
    const mine = this.client.statuses.get(this.me.id);
    const select = h('select', { class: 'input', id: 'status-select', 'data-testid': 'status-select' }, ...CHOICES.map((choice) => h('option', { value: choice }, STATUS_LABELS[choice])));
    select.value = mine && mine.status !== 'offline' ? mine.status : 'online';
    const text = h('input', { class: 'input', id: 'status-text', type: 'text', maxlength: 100, placeholder: 'What are you up to?', 'data-testid': 'status-text', value: mine?.statusText ?? '' });
    const save = h('button', { type: 'submit', class: 'button primary', 'data-testid': 'status-save' }, 'Save');
    const form = h(
      'form',
      { class: 'form' },
      h('label', { class: 'field-label', for: 'status-select' }, 'Status'),
      select,
      h('label', { class: 'field-label', for: 'status-text' }, 'Status text (optional)'),
      text,
      h('div', { class: 'dialog-actions' }, save),
    );
    const dialog = openDialog('Your status', 'status-dialog', form);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      save.disabled = true;
      this.client
        .setMyStatus({ status: select.value as ChosenStatus, statusText: text.value.trim() || null })
        .then((status) => {
          this.showMine(status);
          dialog.close();
        })
        .catch((error: unknown) => dialog.setError(describeError(error)))
        .finally(() => (save.disabled = false));
    });
    select.focus();
  }

  private addDialog(): void {
    const dialog = openDialog('Add a contact', 'contact-dialog');
    const picker = userPicker(this.client, {
      label: 'Who do you want to add?',
      actionLabel: 'Add',
      exclude: () => new Set([this.me.id, ...this.contacts.keys()]),
      onError: (message) => dialog.setError(message),
      onPick: async (user) => {
        const contact = await this.client.rest.contacts.add(user.id);
        this.contacts.set(contact.user.id, contact);
        this.render();
        dialog.close();
        // This socket watches the new contact already (the server joined it); asking again closes the window
        // between the answer's status and the join, and the answer arrives as a `userStatus` event.
        await this.client.statuses.watch([contact.user.id]).catch(() => undefined);
      },
    });
    dialog.body.append(picker.element);
    picker.focus();
  }

  private async remove(user: User): Promise<void> {
    try {
      await this.client.rest.contacts.remove(user.id);
      this.contacts.delete(user.id);
      this.render();
      await this.client.statuses.unwatch([user.id]).catch(() => undefined);
    } catch (error) {
      toast(describeError(error, 'Could not remove the contact'), { kind: 'error' });
    }
  }

  private async block(user: User): Promise<void> {
    if (!(await confirmDialog(`Block ${user.displayName}?`, 'They will not be able to message you directly, add you to rooms or notify you, and will not be told.', 'Block'))) return;
    try {
      await this.client.rest.blocks.block(user.id);
      await this.client.rest.contacts.remove(user.id);
      this.contacts.delete(user.id);
      this.render();
      await this.client.statuses.unwatch([user.id]).catch(() => undefined);
      toast(`${user.displayName} is blocked.`);
    } catch (error) {
      toast(describeError(error, 'Could not block'), { kind: 'error' });
    }
  }
}
