import type { ParleyClient } from '@parley/client';
import { h } from './dom';
import { describeError } from './errors';

type Mode = 'login' | 'register';

const USERNAME = /^[A-Za-z0-9_.-]{3,32}$/;

/** The sign-in / create-account screen. Calls `onSignedIn` once the SDK holds a session. */
export function renderAuthView(client: ParleyClient, onSignedIn: () => void, notice?: string): HTMLElement {
  let mode: Mode = 'login';

  const heading = h('h1', { class: 'auth-title' });
  const loginTab = h('button', { type: 'button', class: 'tab', 'data-testid': 'auth-tab-login' }, 'Sign in');
  const registerTab = h('button', { type: 'button', class: 'tab', 'data-testid': 'auth-tab-register' }, 'Create account');
  const username = h('input', {
    id: 'auth-username',
    name: 'username',
    autocomplete: 'username',
    autocapitalize: 'none',
    spellcheck: 'false',
    required: true,
    'data-testid': 'auth-username',
  });
  const displayName = h('input', { id: 'auth-display-name', name: 'displayName', autocomplete: 'name', maxlength: 64, 'data-testid': 'auth-display-name' });
  const password = h('input', { id: 'auth-password', name: 'password', type: 'password', required: true, 'data-testid': 'auth-password' });
  const usernameHint = h('small', { id: 'auth-username-hint', class: 'hint' }, '3–32 letters, digits, dots, dashes or underscores.');
  const passwordHint = h('small', { id: 'auth-password-hint', class: 'hint' }, 'At least 8 characters.');
  const displayNameField = h(
    'div',
    { class: 'field' },
    h('label', { for: 'auth-display-name' }, 'Display name ', h('span', { class: 'optional' }, '(optional)')),
    displayName,
  );
  const error = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'auth-error', hidden: !notice }, notice ?? '');
  const submit = h('button', { type: 'submit', class: 'button primary wide', 'data-testid': 'auth-submit' });
  const form = h(
    'form',
    { class: 'auth-form', novalidate: true, 'aria-labelledby': 'auth-heading' },
    h('div', { class: 'field' }, h('label', { for: 'auth-username' }, 'Username'), username, usernameHint),
    displayNameField,
    h('div', { class: 'field' }, h('label', { for: 'auth-password' }, 'Password'), password, passwordHint),
    error,
    submit,
  );
  heading.id = 'auth-heading';

  const setMode = (next: Mode): void => {
    mode = next;
    const register = mode === 'register';
    heading.textContent = register ? 'Create your account' : 'Welcome back';
    submit.textContent = register ? 'Create account' : 'Sign in';
    loginTab.setAttribute('aria-pressed', String(!register));
    registerTab.setAttribute('aria-pressed', String(register));
    displayNameField.hidden = !register;
    usernameHint.hidden = !register;
    passwordHint.hidden = !register;
    password.autocomplete = register ? 'new-password' : 'current-password';
    username.setAttribute('aria-describedby', register ? 'auth-username-hint' : '');
    password.setAttribute('aria-describedby', register ? 'auth-password-hint' : '');
    showError(null);
  };
  const showError = (message: string | null, field?: HTMLInputElement): void => {
    error.textContent = message ?? '';
    error.hidden = message === null;
    for (const input of [username, password, displayName]) input.removeAttribute('aria-invalid');
    if (field) {
      field.setAttribute('aria-invalid', 'true');
      field.focus();
    }
  };

  loginTab.addEventListener('click', () => setMode('login'));
  registerTab.addEventListener('click', () => setMode('register'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      const name = username.value.trim();
      if (!name) return showError('Enter your username.', username);
      if (!password.value) return showError('Enter your password.', password);
      if (mode === 'register') {
        if (!USERNAME.test(name)) return showError('A username has 3 to 32 characters: letters, digits, ".", "-" or "_".', username);
        if (password.value.length < 8 || password.value.length > 128) return showError('A password has 8 to 128 characters.', password);
      }
      submit.disabled = true;
      form.setAttribute('aria-busy', 'true');
      submit.textContent = mode === 'register' ? 'Creating account…' : 'Signing in…';
      try {
        if (mode === 'register') await client.register(name, password.value, displayName.value.trim() || undefined);
        else await client.login(name, password.value);
        onSignedIn();
      } catch (failure) {
        setMode(mode);
        showError(describeError(failure, mode === 'register' ? 'Could not create the account' : 'Could not sign in'), username);
      } finally {
        submit.disabled = false;
        form.removeAttribute('aria-busy');
      }
    })();
  });

  setMode('login');
  if (notice) showError(notice);
  return h(
    'main',
    { class: 'auth', 'data-testid': 'auth-view' },
    h(
      'div',
      { class: 'auth-card' },
      h('div', { class: 'brand brand-large' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'Parley'),
      heading,
      h('div', { class: 'tabs', role: 'group', 'aria-label': 'Sign in or create an account' }, loginTab, registerTab),
      form,
    ),
  );
}
