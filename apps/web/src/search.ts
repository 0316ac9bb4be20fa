import type { Message, MessagePage, ParleyClient, SearchHit, User } from '@parley/client';
import { openDialog, type DialogHandle } from './dialogs';
import { h, icon, replaceChildren } from './dom';
import { describeError } from './errors';
import { hueOf, initials, longTime, roomLabel, shortTime } from './format';

const PAGE_SIZE = 20;
const CONTEXT_SIZE = 30;

interface SearchOptions {
  client: ParleyClient;
  me: User;
  /** Shows the room itself (live), e.g. by navigating to it. */
  openRoom: (roomId: string) => void;
}

/**
 * The sidebar's search box: Enter opens the results (messages of every room and DM the user is in, best
 * first, with the matched words marked); a result opens the room's history around that message, marked,
 * from where the room itself is one click away.
 */
export function searchBox(options: SearchOptions): HTMLElement {
  const input = h('input', {
    type: 'search',
    class: 'input search-input',
    name: 'q',
    maxlength: 200,
    autocomplete: 'off',
    placeholder: 'Search messages',
    'aria-label': 'Search messages',
    'data-testid': 'search-input',
  });
  const form = h('form', { class: 'search-box', role: 'search', 'data-testid': 'search-box' }, icon('search'), input);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const q = input.value.trim();
    if (q) openSearch(options, q);
  });
  return form;
}

/** The results dialog for `q`. */
export function openSearch(options: SearchOptions, q: string): void {
  const dialog = openDialog('Search messages', 'search-dialog');
  dialog.dialog.classList.add('wide');
  const input = h('input', { type: 'search', class: 'input', name: 'q', maxlength: 200, value: q, 'aria-label': 'Search messages', 'data-testid': 'search-dialog-input' });
  const form = h('form', { class: 'search-box in-dialog', role: 'search' }, icon('search'), input);
  const results = new SearchResults(options, dialog);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (text) void results.search(text);
  });
  dialog.body.append(form, results.element);
  void results.search(q);
}

class SearchResults {
  readonly element = h('div', { class: 'search-results' });
  private readonly list = h('ol', { class: 'search-hits', 'data-testid': 'search-results', 'aria-live': 'polite' });
  private readonly more = h('button', { type: 'button', class: 'button ghost small', 'data-testid': 'search-more', hidden: true }, 'More results');
  private q = '';
  private cursor: string | null = null;
  private generation = 0;

  constructor(
    private readonly options: SearchOptions,
    private readonly dialog: DialogHandle,
  ) {
    this.more.addEventListener('click', () => void this.nextPage());
    this.element.append(this.list, this.more);
  }

  async search(q: string): Promise<void> {
    this.q = q;
    this.cursor = null;
    replaceChildren(this.list, h('li', { class: 'pick-note' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Searching…'));
    this.more.hidden = true;
    await this.nextPage();
  }

  private async nextPage(): Promise<void> {
    const mine = ++this.generation;
    const first = this.cursor === null;
    this.more.disabled = true;
    try {
      const page = await this.options.client.search.messages({ q: this.q, limit: PAGE_SIZE, ...(this.cursor ? { cursor: this.cursor } : {}) });
      if (mine !== this.generation) return;
      this.dialog.setError(null);
      if (first) replaceChildren(this.list);
      if (first && page.hits.length === 0) replaceChildren(this.list, h('li', { class: 'pick-note', 'data-testid': 'search-empty' }, `Nothing found for “${this.q}”.`));
      for (const hit of page.hits) this.list.append(this.renderHit(hit));
      this.cursor = page.nextCursor;
      this.more.hidden = page.nextCursor === null;
    } catch (error) {
      if (mine !== this.generation) return;
      if (first) replaceChildren(this.list);
      this.dialog.setError(describeError(error, 'Search failed'));
    } finally {
      this.more.disabled = false;
    }
  }

  private renderHit(hit: SearchHit): HTMLLIElement {
    const where = hit.room.kind === 'direct' ? `@${roomLabel(hit.room, this.options.me)}` : `#${hit.room.name}`;
    const button = h(
      'button',
      { type: 'button', class: 'search-hit', 'data-testid': 'search-hit', 'data-message-id': hit.message.id, 'data-room-id': hit.room.id },
      h(
        'span',
        { class: 'search-hit-meta' },
        h('span', { class: 'search-hit-room' }, where),
        h('span', { class: 'search-hit-author' }, hit.message.author.displayName),
        h('time', { datetime: hit.message.createdAt, title: longTime(hit.message.createdAt) }, shortTime(hit.message.createdAt)),
      ),
      markedSnippet(hit),
    );
    button.addEventListener('click', () => void showContext(this.options, this.dialog, hit, this.element));
    return h('li', {}, button);
  }
}

/** The snippet as text nodes, the highlighted ranges in <mark> (never parsed as HTML). */
function markedSnippet(hit: SearchHit): HTMLElement {
  const snippet = h('span', { class: 'search-snippet', 'data-testid': 'search-snippet' });
  let at = 0;
  for (const { start, end } of hit.highlights) {
    if (start < at || end > hit.snippet.length) continue;
    snippet.append(hit.snippet.slice(at, start), h('mark', {}, hit.snippet.slice(start, end)));
    at = end;
  }
  snippet.append(hit.snippet.slice(at));
  return snippet;
}

/**
 * The room's history around the hit (`around=seq`), the hit marked and scrolled to, with earlier and later
 * pages on demand; "Open room" shows the room itself.
 */
async function showContext(options: SearchOptions, dialog: DialogHandle, hit: SearchHit, results: HTMLElement): Promise<void> {
  const { client } = options;
  const label = hit.room.kind === 'direct' ? roomLabel(hit.room, options.me) : `#${hit.room.name}`;
  const list = h('ol', { class: 'message-list search-context-list', 'data-testid': 'search-context-messages' });
  const earlier = h('button', { type: 'button', class: 'button ghost small', 'data-testid': 'search-context-earlier', hidden: true }, 'Earlier messages');
  const later = h('button', { type: 'button', class: 'button ghost small', 'data-testid': 'search-context-later', hidden: true }, 'Later messages');
  const back = h('button', { type: 'button', class: 'button secondary small', 'data-testid': 'search-back' }, icon('back'), 'Results');
  const open = h('button', { type: 'button', class: 'button primary small', 'data-testid': 'search-open-room' }, `Open ${label}`);
  const scroller = h('div', { class: 'search-context-scroll' }, earlier, list, later);
  const context = h(
    'section',
    { class: 'search-context', 'data-testid': 'search-context', 'data-room-id': hit.room.id, 'aria-label': `Messages around the result in ${label}` },
    h('div', { class: 'search-context-head' }, back, h('span', { class: 'search-context-title' }, label), open),
    scroller,
  );
  let first = hit.message.seq;
  let last = hit.message.seq;
  const show = (messages: Message[], where: 'start' | 'end' | 'all'): void => {
    const items = messages.map((message) => renderContextMessage(message, message.id === hit.message.id));
    if (where === 'all') replaceChildren(list, ...items);
    else if (where === 'start') list.prepend(...items);
    else list.append(...items);
    if (messages.length > 0) {
      first = Math.min(first, (messages[0] as Message).seq);
      last = Math.max(last, (messages[messages.length - 1] as Message).seq);
    }
  };
  const load = async <P extends MessagePage>(fetchPage: () => Promise<P>, where: 'start' | 'end' | 'all'): Promise<P | null> => {
    try {
      const page = await fetchPage();
      dialog.setError(null);
      show(page.messages, where);
      return page;
    } catch (error) {
      dialog.setError(describeError(error, `Could not open ${label}`));
      return null;
    }
  };
  earlier.addEventListener('click', () => {
    const height = scroller.scrollHeight;
    void load(() => client.rest.messages.page(hit.room.id, { before: first, limit: CONTEXT_SIZE }), 'start').then((page) => {
      if (page) earlier.hidden = !page.hasMore;
      scroller.scrollTop += scroller.scrollHeight - height;
    });
  });
  later.addEventListener('click', () => {
    void load(() => client.rest.messages.page(hit.room.id, { after: last, limit: CONTEXT_SIZE }), 'end').then((page) => {
      if (page) later.hidden = !page.hasMore;
    });
  });
  back.addEventListener('click', () => {
    context.remove();
    results.hidden = false;
  });
  open.addEventListener('click', () => {
    dialog.close();
    options.openRoom(hit.room.id);
  });

  results.hidden = true;
  dialog.body.append(context);
  const page = await load(() => client.rest.messages.around(hit.room.id, hit.message.seq, CONTEXT_SIZE), 'all');
  if (!page) return;
  earlier.hidden = !page.hasMoreBefore;
  later.hidden = !page.hasMoreAfter;
  list.querySelector<HTMLElement>('.search-context-hit')?.scrollIntoView({ block: 'center' });
}

function renderContextMessage(message: Message, isHit: boolean): HTMLLIElement {
  // A system message (never a hit: search leaves them out) is a muted line, as in the room.
  if (message.type === 'system') {
    return h(
      'li',
      { class: 'message system', 'data-testid': 'search-context-message', 'data-seq': message.seq },
      h('div', { class: 'content' }, message.content),
      h('time', { datetime: message.createdAt, title: longTime(message.createdAt) }, shortTime(message.createdAt)),
    );
  }
  const avatar = h('div', { class: 'avatar', 'aria-hidden': 'true' }, initials(message.author));
  avatar.style.setProperty('--hue', String(hueOf(message.author.id)));
  const content = message.deletedAt ? 'This message was deleted.' : message.content;
  return h(
    'li',
    {
      class: `message${isHit ? ' search-context-hit' : ''}${message.deletedAt ? ' deleted' : ''}`,
      'data-testid': isHit ? 'search-context-hit' : 'search-context-message',
      'data-seq': message.seq,
      'aria-current': isHit ? 'true' : null,
    },
    avatar,
    h(
      'div',
      { class: 'bubble' },
      h(
        'div',
        { class: 'meta' },
        h('span', { class: 'author' }, message.author.displayName),
        h('time', { datetime: message.createdAt, title: longTime(message.createdAt) }, shortTime(message.createdAt)),
      ),
      h('div', { class: 'content' }, content),
    ),
  );
}
