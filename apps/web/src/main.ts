import { ParleyClient, WebStorageSessionStore } from '@parley/client';
import { App } from './app';
import { renderAuthView } from './auth-view';
import { replaceChildren } from './dom';
import { describeError } from './errors';
import { toast } from './toasts';

const root = document.getElementById('app');
if (!root) throw new Error('#app is missing from index.html');
const appRoot: HTMLElement = root;

/** A fresh SDK client per session, so that nothing (room handles, sockets) outlives a sign-out. */
function newClient(): ParleyClient {
  return new ParleyClient({ baseUrl: '', store: new WebStorageSessionStore(window.localStorage) });
}

function showAuth(notice?: string): void {
  const client = newClient();
  appRoot.removeAttribute('aria-busy');
  replaceChildren(appRoot, renderAuthView(client, () => startApp(client), notice));
  appRoot.querySelector<HTMLInputElement>('[data-testid=auth-username]')?.focus();
}

function startApp(client: ParleyClient): void {
  if (location.hash === '' || location.hash === '#') history.replaceState(null, '', '#/');
  const app = new App(client, appRoot, (notice) => showAuth(notice));
  app.start().catch((error: unknown) => toast(describeError(error, 'Parley could not start'), { kind: 'error' }));
}

const client = newClient();
if (client.user) startApp(client);
else showAuth();
