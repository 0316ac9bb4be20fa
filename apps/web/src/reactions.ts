import type { Reaction } from '@parley/client';
import { h } from './dom';

/** The emoji offered by the picker (any other emoji can be sent through the API). */
export const QUICK_EMOJI = ['👍', '❤️', '😂', '🎉', '😮', '😢', '🔥', '👀', '🙏', '✅'];

/** Fills `container` with one chip per emoji (count, pressed when it is the viewer's); a click toggles it. */
export function renderReactions(container: HTMLElement, reactions: readonly Reaction[], toggle: (emoji: string) => void): void {
  container.replaceChildren(
    ...reactions.map((reaction) => {
      const chip = h(
        'button',
        {
          type: 'button',
          class: 'reaction',
          'data-testid': 'reaction',
          'data-emoji': reaction.emoji,
          'aria-pressed': String(reaction.me),
          'aria-label': `${reaction.emoji} ${reaction.count}${reaction.me ? ', including you' : ''}`,
        },
        h('span', { class: 'reaction-emoji' }, reaction.emoji),
        h('span', { class: 'reaction-count' }, String(reaction.count)),
      );
      chip.addEventListener('click', () => toggle(reaction.emoji));
      return chip;
    }),
  );
  container.hidden = reactions.length === 0;
}

/** A row of quick emoji under the message; picking one toggles it and closes the row. */
export function reactionPicker(anchor: HTMLElement, pick: (emoji: string) => void): void {
  anchor.parentElement?.querySelector('.reaction-picker')?.remove();
  const picker = h('div', { class: 'reaction-picker', role: 'group', 'aria-label': 'Add a reaction', 'data-testid': 'reaction-picker' });
  const close = (): void => {
    picker.remove();
    document.removeEventListener('keydown', onKey);
  };
  const onKey = (event: KeyboardEvent): void => {
    if (event.key === 'Escape') close();
  };
  for (const emoji of QUICK_EMOJI) {
    const option = h('button', { type: 'button', class: 'reaction-option', 'data-testid': 'reaction-option', 'data-emoji': emoji, 'aria-label': `React with ${emoji}` }, emoji);
    option.addEventListener('click', () => {
      close();
      pick(emoji);
    });
    picker.append(option);
  }
  document.addEventListener('keydown', onKey);
  anchor.after(picker);
  (picker.firstElementChild as HTMLElement | null)?.focus();
}
