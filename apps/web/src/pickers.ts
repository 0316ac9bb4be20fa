import type { ParleyClient, User } from '@parley/client';
import { h, icon, replaceChildren } from './dom';
import { describeError } from './errors';
import { hueOf, initials } from './format';

/**
 * A user search box with results as buttons (prefix match on username and display name, as the API does).
 * `onPick` is called with the chosen user.
 */
export function userPicker(
  client: ParleyClient,
  options: { label: string; actionLabel: string; exclude: () => Set<string>; onPick: (user: User) => Promise<void> | void; onError: (message: string | null) => void },
): { element: HTMLElement; focus: () => void } {
  const inputId = `user-search-${Math.random().toString(36).slice(2, 8)}`;
  const input = h('input', {
    id: inputId,
    type: 'search',
    class: 'input',
    autocomplete: 'off',
    autocapitalize: 'none',
    spellcheck: 'false',
    placeholder: 'Start typing a name…',
    'data-testid': 'user-search',
  });
  const results = h('ul', { class: 'pick-list', 'data-testid': 'user-results', 'aria-live': 'polite' });
  const note = (text: string): void => replaceChildren(results, h('li', { class: 'pick-note' }, text));
  note('Search by username or display name.');
  let timer: ReturnType<typeof setTimeout> | undefined;
  let generation = 0;
  const search = async (): Promise<void> => {
    const query = input.value.trim();
    const mine = ++generation;
    if (!query) return note('Search by username or display name.');
    try {
      const users = (await client.rest.users.search(query, 20)).filter((user) => !options.exclude().has(user.id));
      if (mine !== generation) return;
      options.onError(null);
      if (users.length === 0) return note(`Nobody found for “${query}”.`);
      replaceChildren(
        results,
        ...users.map((user) => {
          const avatar = h('span', { class: 'avatar small', 'aria-hidden': 'true' }, initials(user));
          avatar.style.setProperty('--hue', String(hueOf(user.id)));
          const button = h(
            'button',
            { type: 'button', class: 'pick-item', 'data-testid': 'user-result', 'data-username': user.username },
            avatar,
            h('span', { class: 'pick-text' }, h('span', { class: 'pick-name' }, user.displayName), h('span', { class: 'pick-sub' }, `@${user.username}`)),
            h('span', { class: 'pick-action' }, options.actionLabel),
          );
          button.addEventListener('click', () => {
            button.disabled = true;
            void Promise.resolve(options.onPick(user))
              .catch((error: unknown) => options.onError(describeError(error)))
              .finally(() => {
                if (button.isConnected) button.disabled = false;
              });
          });
          return h('li', {}, button);
        }),
      );
    } catch (error) {
      if (mine === generation) options.onError(describeError(error, 'Search failed'));
    }
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void search(), 200);
  });
  input.addEventListener('keydown', (event) => {
    // Down arrow moves from the box into the results.
    if (event.key === 'ArrowDown') {
      const first = results.querySelector('button');
      if (first) {
        event.preventDefault();
        first.focus();
      }
    }
  });
  results.addEventListener('keydown', (event) => {
    const target = event.target as HTMLElement;
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const li = target.closest('li');
    const next = event.key === 'ArrowDown' ? li?.nextElementSibling : li?.previousElementSibling;
    const button = next?.querySelector('button');
    event.preventDefault();
    if (button) button.focus();
    else if (event.key === 'ArrowUp') input.focus();
  });
  const element = h(
    'div',
    { class: 'picker' },
    h('label', { for: inputId, class: 'field-label' }, options.label),
    h('div', { class: 'search-box' }, icon('search'), input),
    results,
  );
  return { element, focus: () => input.focus() };
}
