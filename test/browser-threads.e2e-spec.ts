import type { AuthResult, Message, Room } from '@parley/contract';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { RunningServer } from '../apps/server/src/server';
import { requireBinary } from '../tools/binaries';
import { Api } from './support/client';
import { startTestServer } from './support/server';

/**
 * System messages and replies in the web client (apps/web/src/chat-view.ts, threads.ts), in Debian's Chromium:
 * join and room changes as muted lines in the timeline, Reply on a message with the quote above the new one
 * (a click shows the quoted message), and the thread opened from its root's reply count, kept current live.
 * Screenshots go to test-artifacts/screens/ (docs/screens/threads*.png are copies).
 */
const ROOT = join(__dirname, '..');
const SCREENS = join(ROOT, 'test-artifacts', 'screens');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PASSWORD = 'correct horse battery';

const tid = (id: string): string => `[data-testid="${id}"]`;

describe('web client: system messages and threads', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let api: Api;
  let alice: AuthResult;
  let bob: AuthResult;
  let launch: Room;
  let question: Message;
  let answer: Message;
  const pageErrors: string[] = [];

  const message = (id: string) => page.locator(`${tid('message')}[data-message-id="${id}"]`);

  beforeAll(async () => {
    expect(existsSync(join(ROOT, 'apps', 'web', 'dist', 'index.html'))).toBe(true);
    if (!process.env.CHROMIUM_PATH) requireBinary('chromium', 'The browser threads spec (test/browser-threads.e2e-spec.ts)');
    mkdirSync(SCREENS, { recursive: true });
    [server, browser] = await Promise.all([
      startTestServer(),
      chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      }),
    ]);
    api = new Api(server.url);
    const register = async (username: string, displayName: string): Promise<AuthResult> =>
      (await api.post<AuthResult>('/api/auth/register', { username, password: PASSWORD, displayName })).body;
    alice = await register('alice', 'Alice Liddell');
    bob = await register('bob', 'Bob Builder');
    launch = (await api.post<Room>('/api/rooms', { name: 'launch', description: '' }, alice.accessToken)).body;
    expect((await api.post(`/api/rooms/${launch.id}/join`, {}, bob.accessToken)).status).toBe(200);
    expect((await api.request('PATCH', `/api/rooms/${launch.id}`, { token: alice.accessToken, body: { description: 'Everything about Friday’s release' } })).status).toBe(200);
    const say = async (author: AuthResult, content: string, replyTo?: string): Promise<Message> => {
      const result = await api.post<Message>(`/api/rooms/${launch.id}/messages`, replyTo ? { content, replyTo } : { content }, author.accessToken);
      expect(result.status).toBe(201);
      return result.body;
    };
    question = await say(alice, 'Do we ship on Friday, or wait for the translations?');
    await say(bob, 'Coffee first ☕');
    answer = await say(bob, 'Friday: the translations can follow on Monday, nothing else blocks', question.id);

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(server.url);
    await page.locator(tid('auth-tab-login')).click();
    await page.locator(tid('auth-username')).fill('alice');
    await page.locator(tid('auth-password')).fill(PASSWORD);
    await page.locator(tid('auth-submit')).click();
    await page.locator(`${tid('connection-status')}[data-status="connected"]`).waitFor();
    await page.locator(`${tid('conversation-list')} ${tid('room-item')}[data-room-name="launch"]`).click();
    await message(answer.id).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows joins and room changes as muted lines in the timeline, in their seq', async () => {
    const lines = page.locator(tid('system-message'));
    expect(await lines.allTextContents()).toEqual([expect.stringContaining('Bob Builder joined'), expect.stringContaining('Alice Liddell changed the description')]);
    expect(await lines.evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.kind))).toEqual(['member_joined', 'description_changed']);
    // No actions on a system line, and it is not a chat bubble.
    expect(await lines.locator(tid('reply-message')).count()).toBe(0);
    expect(await lines.first().evaluate((item) => getComputedStyle(item).textAlign)).toBe('center');
    const seqs = await page.locator(`${tid('message-list')} > li`).evaluateAll((items) => items.map((item) => Number((item as HTMLElement).dataset.seq)));
    expect(seqs).toEqual([1, 2, 3, 4, 5]);
  });

  it('shows a reply with its quote, and the count on the quoted message', async () => {
    const quote = message(answer.id).locator(tid('reply-quote'));
    expect(await quote.textContent()).toBe(`Alice Liddell${question.content}`);
    expect(await message(question.id).locator(tid('reply-count')).textContent()).toBe('1 reply');
    expect(await message(answer.id).locator(tid('reply-count')).isHidden()).toBe(true);
  });

  it('replies from the message’s Reply action; the thread count follows live; the quote shows the quoted message', async () => {
    await message(answer.id).hover();
    await message(answer.id).locator(tid('reply-message')).click();
    expect(await page.locator(tid('reply-bar')).textContent()).toContain('Replying to Bob Builder');
    await page.locator(tid('composer-input')).fill('Friday it is 🚀');
    await page.locator(tid('composer-input')).press('Enter');
    const mine = page.locator(`${tid('message')}[data-own="true"]`).filter({ hasText: 'Friday it is' });
    await mine.waitFor();
    expect(await page.locator(tid('reply-bar')).isHidden()).toBe(true);
    // Replying to a reply: the quote is the reply, the thread its root's (flat), whose count moves live.
    expect(await mine.locator(tid('reply-quote')).getAttribute('data-quoted-id')).toBe(answer.id);
    await message(question.id).locator(tid('reply-count')).filter({ hasText: '2 replies' }).waitFor();
    await page.screenshot({ path: join(SCREENS, 'threads.png'), animations: 'disabled' });

    await mine.locator(tid('reply-quote')).click();
    await page.locator(`${tid('message')}.flash[data-message-id="${answer.id}"]`).waitFor();
  });

  it('opens the thread from the reply count: the root, its replies in order, and a reply box', async () => {
    await message(question.id).locator(tid('reply-count')).click();
    const dialog = page.locator(tid('thread-dialog'));
    await dialog.waitFor();
    expect(await dialog.locator(tid('thread-root')).textContent()).toContain(question.content);
    const replies = dialog.locator(tid('thread-reply'));
    await replies.nth(1).waitFor();
    expect(await replies.count()).toBe(2);
    expect(await replies.nth(0).textContent()).toContain('nothing else blocks');
    expect(await replies.nth(1).textContent()).toContain('Friday it is');
    // A reply written elsewhere arrives in the open thread, and the count with it.
    await api.post(`/api/rooms/${launch.id}/messages`, { content: 'I’ll tell the translators', replyTo: question.id }, bob.accessToken);
    await replies.nth(2).waitFor();
    await dialog.locator(tid('thread-count')).filter({ hasText: '3 replies' }).waitFor();
    await dialog.locator(tid('thread-input')).fill('Thanks both');
    await dialog.locator(tid('thread-send')).click();
    await replies.nth(3).waitFor();
    expect(await replies.nth(3).textContent()).toContain('Thanks both');
    await page.screenshot({ path: join(SCREENS, 'threads-panel.png'), animations: 'disabled' });
    await dialog.locator(tid('dialog-close')).click();
    await message(question.id).locator(tid('reply-count')).filter({ hasText: '4 replies' }).waitFor();
    const history = await api.get<{ messages: Message[] }>(`/api/rooms/${launch.id}/messages/${question.id}/replies`, alice.accessToken);
    expect(history.body.messages.map((reply) => reply.content)).toEqual([answer.content, 'Friday it is 🚀', 'I’ll tell the translators', 'Thanks both']);
    expect(pageErrors).toEqual([]);
  });
});
