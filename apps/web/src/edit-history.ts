import type { Message, MessageVersion, RoomHandle } from '@parley/client';
import { openDialog } from './dialogs';
import { h } from './dom';
import { describeError } from './errors';
import { longTime } from './format';

/** The message's texts, oldest first: each earlier version with when it was written, then the current one. */
export function editHistoryDialog(handle: RoomHandle, message: Message): void {
  const list = h('ol', { class: 'edit-history', 'data-testid': 'edit-history' }, h('li', { class: 'note' }, 'Loading…'));
  const dialog = openDialog('Edit history', 'edit-history-dialog', list);
  const version = (content: string, label: string, testId: string): HTMLLIElement =>
    h('li', { class: testId, 'data-testid': testId }, h('div', { class: 'edit-when' }, label), h('div', { class: 'content' }, content));
  handle.edits(message.id).then(
    (versions: MessageVersion[]) => {
      list.replaceChildren(
        ...versions.map((v, index) => version(v.content, `${index === 0 ? 'Sent' : 'Edited'} ${longTime(v.writtenAt)}`, 'edit-version')),
        version(message.content, `Current, edited ${longTime(message.editedAt ?? message.createdAt)}`, 'edit-current'),
      );
    },
    (error: unknown) => {
      list.replaceChildren();
      dialog.setError(describeError(error, 'Could not load the edit history'));
    },
  );
}
