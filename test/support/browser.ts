import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { requireBinary } from '../../tools/binaries';

/** What the browser specs share: Debian's Chromium, driven by playwright-core, against the built web client. */
const ROOT = join(__dirname, '..', '..');
/** Screenshots of the browser specs (docs/screens/ keeps copies of the ones the docs show). */
export const SCREENS = join(ROOT, 'test-artifacts', 'screens');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export const tid = (id: string): string => `[data-testid="${id}"]`;

/**
 * Starts Chromium for `spec`, once the built web client is there (`npm run build`, before the tests) and the
 * screenshot folder exists. Without Chromium (and no CHROMIUM_PATH) it fails with how to install it.
 */
export async function launchChromium(spec: string, builtPage = 'index.html'): Promise<Browser> {
  const built = join(ROOT, 'apps', 'web', 'dist', builtPage);
  if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` before the browser specs`);
  if (!process.env.CHROMIUM_PATH) requireBinary('chromium', `The browser spec (${spec})`);
  mkdirSync(SCREENS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** What went wrong in a spec's pages: script errors, and dialogs (none may open: an injected alert() would). */
export interface PageProblems {
  pageErrors: string[];
  dialogs: string[];
}

export const newPageProblems = (): PageProblems => ({ pageErrors: [], dialogs: [] });

/** A page of its own (a fresh context: its own storage, so its own user) at `url`, 1280×800, 10 s timeouts. */
export async function openPage(browser: Browser, url: string, problems: PageProblems, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('dialog', (dialog) => {
    problems.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => problems.pageErrors.push(error.message));
  await page.goto(url);
  return page;
}

/** Fills the sign-in screen's register tab (or, with `mode` 'login', its sign-in tab) and waits until connected. */
export async function signInThroughForm(page: Page, mode: 'register' | 'login', user: { username: string; displayName: string; password: string }): Promise<void> {
  await page.locator(tid(`auth-tab-${mode}`)).click();
  await page.locator(tid('auth-username')).fill(user.username);
  if (mode === 'register') await page.locator(tid('auth-display-name')).fill(user.displayName);
  await page.locator(tid('auth-password')).fill(user.password);
  await page.locator(tid('auth-submit')).click();
  await page.locator(tid('current-user-name')).filter({ hasText: user.displayName }).waitFor();
  await page.locator(`${tid('connection-status')}[data-status="connected"]`).waitFor();
}

/** Saves a screenshot of `page` as SCREENS/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENS, `${name}.png`), animations: 'disabled' });
}
