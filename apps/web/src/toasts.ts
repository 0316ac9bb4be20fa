import { h, icon } from './dom';

export type ToastKind = 'info' | 'success' | 'error' | 'mention' | 'announcement';

export interface ToastOptions {
  kind?: ToastKind;
  title?: string;
  /** A button in the toast (e.g. "Open" for a mention). */
  action?: { label: string; run: () => void };
  /** Auto-dismiss delay; 0 keeps it until closed. */
  timeoutMs?: number;
}

const MAX_TOASTS = 4;

/** Toasts in the fixed `#toasts` region (aria-live), newest at the bottom; they never move the page layout. */
export function toast(message: string, options: ToastOptions = {}): HTMLElement {
  const region = document.getElementById('toasts') ?? document.body;
  const kind = options.kind ?? 'info';
  const close = h('button', { type: 'button', class: 'toast-close', 'aria-label': 'Dismiss notification' }, icon('close'));
  const element = h(
    'div',
    { class: `toast toast-${kind}`, 'data-testid': 'toast', 'data-kind': kind, role: kind === 'error' ? 'alert' : 'status' },
    h(
      'div',
      { class: 'toast-body' },
      options.title ? h('strong', { class: 'toast-title', 'data-testid': 'toast-title' }, options.title) : null,
      h('span', { class: 'toast-text', 'data-testid': 'toast-text' }, message),
    ),
  );
  if (options.action) {
    const { label, run } = options.action;
    const button = h('button', { type: 'button', class: 'toast-action', 'data-testid': 'toast-action' }, label);
    button.addEventListener('click', () => {
      dismiss();
      run();
    });
    element.appendChild(button);
  }
  element.appendChild(close);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const dismiss = (): void => {
    clearTimeout(timer);
    element.classList.add('leaving');
    setTimeout(() => element.remove(), 180);
  };
  const arm = (): void => {
    const timeout = options.timeoutMs ?? (kind === 'error' ? 9000 : 6000);
    if (timeout > 0) timer = setTimeout(dismiss, timeout);
  };
  close.addEventListener('click', dismiss);
  // Keep it while the pointer or keyboard focus is on it.
  element.addEventListener('mouseenter', () => clearTimeout(timer));
  element.addEventListener('mouseleave', arm);
  element.addEventListener('focusin', () => clearTimeout(timer));
  region.appendChild(element);
  while (region.children.length > MAX_TOASTS) region.firstElementChild?.remove();
  arm();
  return element;
}
