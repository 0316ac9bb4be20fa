import type { Pin, RoomHandle } from '@parley/client';
import { openDialog } from './dialogs';
import { h, icon } from './dom';
import { describeError } from './errors';
import { longTime, shortTime } from './format';

/** A room's pins as this view knows them: loaded on open, kept by `pinned` / `unpinned` / `deleted` events. */
export class PinBoard {
  private pins: Pin[] = [];
  readonly button = h(
    'button',
    { type: 'button', class: 'button secondary small', 'data-testid': 'pins-button', hidden: true, title: 'Pinned messages' },
    icon('pin'),
    h('span', { class: 'label' }),
  );

  constructor(
    private readonly handle: RoomHandle,
    /** Owner and admins pin and unpin. */
    private readonly canManage: () => boolean,
    private readonly onChange: (messageId: string, pinned: boolean) => void,
    private readonly jumpTo: (messageId: string) => void,
  ) {
    this.button.addEventListener('click', () => this.openList());
  }

  isPinned(messageId: string): boolean {
    return this.pins.some((pin) => pin.message.id === messageId);
  }

  async load(): Promise<void> {
    const before = new Set(this.pins.map((pin) => pin.message.id));
    this.pins = await this.handle.pins();
    for (const pin of this.pins) if (!before.delete(pin.message.id)) this.onChange(pin.message.id, true);
    for (const id of before) this.onChange(id, false);
    this.render();
  }

  added(pin: Pin): void {
    if (this.isPinned(pin.message.id)) return;
    this.pins = [pin, ...this.pins];
    this.onChange(pin.message.id, true);
    this.render();
  }

  removed(messageId: string): void {
    if (!this.isPinned(messageId)) return;
    this.pins = this.pins.filter((pin) => pin.message.id !== messageId);
    this.onChange(messageId, false);
    this.render();
  }

  /** Pins or unpins; the event that follows updates the board (the answer too, in case it comes first). */
  async toggle(messageId: string): Promise<void> {
    if (this.isPinned(messageId)) {
      await this.handle.unpin(messageId);
      this.removed(messageId);
    } else {
      this.added(await this.handle.pin(messageId));
    }
  }

  private render(): void {
    const count = this.pins.length;
    this.button.hidden = count === 0;
    this.button.querySelector('.label')!.textContent = String(count);
    this.button.setAttribute('aria-label', `${count} pinned message${count === 1 ? '' : 's'}`);
  }

  private openList(): void {
    const list = h('ol', { class: 'pin-list', 'data-testid': 'pin-list' });
    const dialog = openDialog('Pinned messages', 'pins-dialog', list);
    const fill = (): void => {
      list.replaceChildren(
        ...this.pins.map((pin) => {
          const jump = h('button', { type: 'button', class: 'button secondary small', 'data-testid': 'pin-jump' }, 'Show');
          jump.addEventListener('click', () => {
            dialog.close();
            this.jumpTo(pin.message.id);
          });
          const actions = h('div', { class: 'pin-actions' }, jump);
          if (this.canManage()) {
            const unpin = h('button', { type: 'button', class: 'button secondary small', 'data-testid': 'pin-unpin' }, 'Unpin');
            unpin.addEventListener('click', () => {
              unpin.disabled = true;
              this.toggle(pin.message.id).then(fill, (error: unknown) => {
                unpin.disabled = false;
                dialog.setError(describeError(error, 'Could not unpin'));
              });
            });
            actions.append(unpin);
          }
          return h(
            'li',
            { class: 'pin', 'data-testid': 'pin', 'data-message-id': pin.message.id },
            h(
              'div',
              { class: 'pin-meta' },
              h('strong', {}, pin.message.author.displayName),
              ' ',
              h('time', { datetime: pin.message.createdAt, title: longTime(pin.message.createdAt) }, shortTime(pin.message.createdAt)),
              pin.pinnedBy ? h('span', { class: 'pin-by' }, ` · pinned by ${pin.pinnedBy.displayName}`) : null,
            ),
            h('div', { class: 'content' }, pin.message.content),
            actions,
          );
        }),
      );
      if (this.pins.length === 0) list.append(h('li', { class: 'note' }, 'Nothing is pinned.'));
    };
    fill();
  }
}
