import { h, icon, type Child } from './dom';

export interface DialogHandle {
  dialog: HTMLDialogElement;
  body: HTMLElement;
  /** Shows an error inside the dialog (role=alert), or clears it with null. */
  setError(message: string | null): void;
  close(): void;
}

/**
 * A modal `<dialog>`: focus is trapped by the browser, Escape closes it, focus returns to the opener.
 * Removed from the DOM when closed.
 */
export function openDialog(title: string, testId: string, ...content: Child[]): DialogHandle {
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const titleId = `dialog-title-${Math.random().toString(36).slice(2, 8)}`;
  const error = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'dialog-error', hidden: true });
  const close = h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Close', 'data-testid': 'dialog-close' }, icon('close'));
  const body = h('div', { class: 'dialog-body' }, ...content);
  const dialog = h(
    'dialog',
    { class: 'dialog', 'data-testid': testId, 'aria-labelledby': titleId },
    h('header', { class: 'dialog-head' }, h('h2', { id: titleId }, title), close),
    error,
    body,
  );
  const handle: DialogHandle = {
    dialog,
    body,
    setError(message) {
      error.textContent = message ?? '';
      error.hidden = message === null;
    },
    close: () => dialog.close(),
  };
  close.addEventListener('click', () => dialog.close());
  // A click on the backdrop (outside the dialog box) closes it.
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) dialog.close();
  });
  dialog.addEventListener('close', () => {
    dialog.remove();
    opener?.focus();
  });
  document.body.appendChild(dialog);
  dialog.showModal();
  return handle;
}

/** A yes/no question in a modal dialog (never `window.confirm`). */
export function confirmDialog(title: string, message: string, confirmLabel: string): Promise<boolean> {
  return new Promise((resolve) => {
    let answer = false;
    const cancel = h('button', { type: 'button', class: 'button secondary', 'data-testid': 'confirm-cancel' }, 'Cancel');
    const ok = h('button', { type: 'button', class: 'button danger', 'data-testid': 'confirm-ok' }, confirmLabel);
    const dialog = openDialog(title, 'confirm-dialog', h('p', {}, message), h('div', { class: 'dialog-actions' }, cancel, ok));
    cancel.addEventListener('click', () => dialog.close());
    ok.addEventListener('click', () => {
      answer = true;
      dialog.close();
    });
    dialog.dialog.addEventListener('close', () => resolve(answer));
    ok.focus();
  });
}
