import { mergeReplyCount, type Message, type MessageRepliesEvent, type ParleyClient, type ReplyRef, type RoomHandle } from '@parley/client';
import { renderAttachments } from './attachments';
import { openDialog } from './dialogs';
import { h, icon } from './dom';
import { describeError } from './errors';
import { longTime, plural, shortTime } from './format';

/** "3 replies" (a thread's count, on its root). */
export function replyCountLabel(count: number): string {
  return plural(count, 'reply', 'replies');
}

/** The quoted message above a reply: who and the start of what they wrote; a click shows the quoted message. */
export function quoteButton(replyTo: ReplyRef, onJump: (messageId: string) => void): HTMLButtonElement {
  const button = h(
    'button',
    { type: 'button', class: 'reply-quote', 'data-testid': 'reply-quote', 'data-quoted-id': replyTo.id, title: 'Show the message this replies to' },
    h('span', { class: 'reply-quote-author' }, replyTo.authorName),
    h('span', { class: 'reply-quote-text' }, replyTo.preview),
  );
  button.addEventListener('click', () => onJump(replyTo.id));
  return button;
}

/**
 * A thread in a dialog: its root, then its replies oldest first (threads are flat: replies to replies are in the
 * root's thread, each showing what it quotes), with a box to reply to the root. Live replies of the room that
 * belong to the thread are added as they come (`onMessage`), and its count follows `message:replies`.
 */
export function threadDialog(client: ParleyClient, handle: RoomHandle, root: Message, canReply: boolean): { onMessage(message: Message): void; onReplies(event: MessageRepliesEvent): void; closed: Promise<void> } {
  const shown = new Set<string>();
  const list = h('ol', { class: 'thread-list', 'data-testid': 'thread-replies' }, h('li', { class: 'note' }, 'Loading…'));
  let rootNow = root;
  const heading = h('p', { class: 'thread-count', 'data-testid': 'thread-count' }, replyCountLabel(root.replyCount ?? 0));
  const line = (message: Message, testId: string): HTMLLIElement =>
    h(
      'li',
      { class: 'thread-message', 'data-testid': testId, 'data-message-id': message.id },
      h('div', { class: 'meta' }, h('span', { class: 'author' }, message.author.displayName), h('time', { datetime: message.createdAt, title: longTime(message.createdAt) }, shortTime(message.createdAt))),
      message.replyTo && message.replyTo.id !== root.id ? h('div', { class: 'reply-quote static' }, h('span', { class: 'reply-quote-author' }, message.replyTo.authorName), h('span', { class: 'reply-quote-text' }, message.replyTo.preview)) : null,
      h('div', { class: `content${message.deletedAt ? ' deleted' : ''}` }, message.deletedAt ? 'This message was deleted.' : message.content || null),
      message.deletedAt ? null : renderAttachments(client, message.attachments ?? []),
    );
  /** Live replies that came before the page: shown after it, unless it has them. */
  let early: Message[] | null = [];
  const add = (message: Message): void => {
    if (early) {
      early.push(message);
      return;
    }
    if (shown.has(message.id)) return;
    shown.add(message.id);
    list.querySelector('.note')?.remove();
    list.appendChild(line(message, 'thread-reply'));
  };
  const input = h('textarea', { class: 'composer-input', rows: 2, 'data-testid': 'thread-input', 'aria-label': 'Reply in thread' });
  const send = h('button', { type: 'submit', class: 'button primary small', 'data-testid': 'thread-send' }, icon('send'), h('span', { class: 'label' }, 'Reply'));
  const form = h('form', { class: 'thread-form' }, input, send);
  const dialog = openDialog('Thread', 'thread-dialog', h('ol', { class: 'thread-list thread-root' }, line(root, 'thread-root')), heading, list, canReply ? form : null);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const content = input.value.trim();
    if (!content) return;
    send.disabled = true;
    handle.send(content, { replyTo: root.id }).then(
      (message) => {
        input.value = '';
        add(message);
      },
      (error: unknown) => dialog.setError(describeError(error, 'Your reply was not sent')),
    ).finally(() => (send.disabled = false));
  });
  handle.replies(root.id, { limit: 200 }).then(
    (page) => {
      const pending = early ?? [];
      early = null;
      list.replaceChildren();
      for (const message of [...page.messages, ...pending]) add(message);
      if (shown.size === 0) list.replaceChildren(h('li', { class: 'note' }, 'No replies yet.'));
    },
    (error: unknown) => {
      early = null;
      list.replaceChildren();
      dialog.setError(describeError(error, 'Could not load the thread'));
    },
  );
  const closed = new Promise<void>((resolve) => dialog.dialog.addEventListener('close', () => resolve()));
  return {
    onMessage: (message) => {
      if (message.replyTo?.rootId === root.id) add(message);
    },
    onReplies: (event) => {
      rootNow = mergeReplyCount(rootNow, event);
      heading.textContent = replyCountLabel(rootNow.replyCount ?? 0);
    },
    closed,
  };
}
