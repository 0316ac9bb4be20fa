import type { Message, Room } from '@parley/contract';
import type { Browser, BrowserContextOptions, Locator, Page } from 'playwright-core';
import type { RunningServer } from '../apps/server/src/server';
import { runAdminCommand } from '../apps/server/src/admin-cli';
import { launchChromium, newPageProblems, openPage as openBrowserPage, screenshot, signInThroughForm, tid } from './support/browser';
import { Api } from './support/client';
import { startTestCluster, testEnv } from './support/server';

/**
 * The web client (apps/web, built into apps/web/dist by `npm run build` before the tests) in Debian's Chromium, driven
 * by playwright-core: two users in two browser contexts, each connected to a different server instance.
 * Screenshots of the main screens go to test-artifacts/screens/.
 */
const XSS = '<img src=x onerror=alert(1)>';
const PASSWORD = 'correct horse battery';

describe('web client in a browser (two users, two instances)', () => {
  let servers: RunningServer[];
  let browser: Browser;
  let alice: Page;
  let bob: Page;
  // No alert/confirm/prompt may ever open (an injected onerror=alert(1) would show here).
  const problems = newPageProblems();
  const { dialogs, pageErrors } = problems;

  const openPage = (url: string, options: BrowserContextOptions = {}): Promise<Page> => openBrowserPage(browser, url, problems, options);
  const roomItem = (page: Page, name: string): Locator => page.locator(`${tid('room-item')}[data-room-name="${name}"]`);
  const message = (page: Page, text: string): Locator => page.locator(tid('message')).filter({ hasText: text });
  const send = async (page: Page, text: string): Promise<void> => {
    const composer = page.locator(tid('composer-input'));
    await composer.fill(text);
    await composer.press('Enter');
    await message(page, text).last().waitFor();
  };
  const createRoom = async (page: Page, name: string, visibility: 'public' | 'private', description = ''): Promise<void> => {
    await page.locator(tid('new-room')).click();
    await page.locator(tid('new-room-name')).fill(name);
    if (description) await page.locator(tid('new-room-description')).fill(description);
    await page.locator(tid(`new-room-${visibility}`)).check();
    await page.locator(tid('new-room-submit')).click();
    await page.locator(tid('chat-title')).filter({ hasText: name }).waitFor();
  };
  const joinViaBrowse = async (page: Page, name: string): Promise<void> => {
    await page.locator(tid('browse-rooms')).click();
    await page.locator(`${tid('browse-room')}[data-room-name="${name}"]`).click();
    await page.locator(tid('chat-title')).filter({ hasText: name }).waitFor();
  };
  const register = (page: Page, username: string, displayName: string): Promise<void> => signInThroughForm(page, 'register', { username, displayName, password: PASSWORD });
  const member = (page: Page, username: string, online: boolean): Locator =>
    page.locator(`${tid('member-item')}[data-username="${username}"][data-online="${online}"]`);
  const token = (page: Page): Promise<string> =>
    page.evaluate(() => (JSON.parse(localStorage.getItem('parley.session') ?? '{}') as { accessToken: string }).accessToken);

  beforeAll(async () => {
    [servers, browser] = await Promise.all([startTestCluster(2), launchChromium('test/browser.e2e-spec.ts')]);
    [alice, bob] = await Promise.all([openPage(servers[0]!.url), openPage(servers[1]!.url)]);
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all((servers ?? []).map((server) => server.close()));
  });

  it('registers on the sign-in screen, with a clear error for a bad password', async () => {
    await alice.locator(tid('auth-view')).waitFor();
    await alice.locator(tid('auth-tab-register')).click();
    await alice.locator(tid('auth-username')).fill('alice');
    await alice.locator(tid('auth-password')).fill('short');
    await alice.locator(tid('auth-submit')).click();
    expect(await alice.locator(tid('auth-error')).textContent()).toMatch(/8 to 128 characters/);
    await alice.locator(tid('auth-tab-login')).click();
    await screenshot(alice, 'login');

    await Promise.all([register(alice, 'alice', 'Alice Liddell'), register(bob, 'bob', 'Bob Builder')]);
    await alice.locator(tid('empty-state')).waitFor();
  });

  it('creates a public room that the other user finds under Browse and joins; both see each other online', async () => {
    await createRoom(alice, 'general', 'public', 'Everything and anything');
    await joinViaBrowse(bob, 'general');
    await roomItem(bob, 'general').waitFor();
    // Presence crosses instances: each sees the other in the member list, online.
    await member(alice, 'bob', true).waitFor({ state: 'attached' });
    await member(bob, 'alice', true).waitFor({ state: 'attached' });
    expect(await alice.locator(tid('online-count')).textContent()).toBe('2 online');
  });

  it('shows typing to the other user and delivers messages both ways, own ones marked', async () => {
    await bob.locator(tid('composer-input')).pressSequentially('Hello Alice');
    await alice.locator(tid('typing-indicator')).filter({ hasText: 'Bob Builder is typing…' }).waitFor();
    await bob.locator(tid('composer-input')).press('Enter');
    await message(alice, 'Hello Alice').waitFor();
    // Sending ends the typing state; the line keeps its height (no layout jump).
    await alice.locator(`${tid('typing-indicator')}[data-active="false"]`).waitFor({ state: 'attached' });
    expect(await alice.locator(tid('typing-indicator')).evaluate((element) => element.getBoundingClientRect().height)).toBeGreaterThan(10);

    await send(alice, 'Hi Bob! Welcome 👋');
    await message(bob, 'Hi Bob! Welcome 👋').waitFor();
    expect(await message(alice, 'Hi Bob! Welcome 👋').getAttribute('data-own')).toBe('true');
    expect(await message(bob, 'Hi Bob! Welcome 👋').getAttribute('data-own')).toBe('false');
    expect(await message(bob, 'Hello Alice').getAttribute('data-own')).toBe('true');
  });

  it('renders a message containing HTML as text, never as markup', async () => {
    await send(alice, XSS);
    const received = message(bob, XSS).locator(tid('message-content'));
    await received.waitFor();
    expect(await received.textContent()).toBe(XSS);
    expect(await bob.locator(`${tid('messages')} img`).count()).toBe(0);
    expect(await alice.locator(`${tid('messages')} img`).count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('edits (Escape cancels) and deletes own messages, live on the other instance', async () => {
    // Keyboard only: ArrowUp in the empty composer edits the last own message, Escape cancels.
    await alice.locator(tid('composer-input')).focus();
    await alice.keyboard.press('ArrowUp');
    await alice.locator(tid('edit-input')).waitFor();
    await alice.keyboard.press('Escape');
    await alice.locator(tid('edit-input')).waitFor({ state: 'detached' });

    const welcome = message(alice, 'Hi Bob! Welcome');
    await welcome.locator(tid('edit-message')).focus();
    await alice.keyboard.press('Enter');
    await alice.locator(tid('edit-input')).fill('Hi Bob! Welcome aboard.');
    await alice.keyboard.press('Enter');
    const edited = message(bob, 'Hi Bob! Welcome aboard.');
    await edited.locator(tid('message-edited')).waitFor();
    // "(edited)" opens the edit history: the earlier text, then the current one.
    await edited.locator(tid('message-edited')).click();
    await bob.locator(`${tid('edit-history')} ${tid('edit-version')}`).filter({ hasText: 'Hi Bob! Welcome 👋' }).waitFor();
    expect(await bob.locator(`${tid('edit-history')} ${tid('edit-current')}`).textContent()).toContain('Hi Bob! Welcome aboard.');
    await screenshot(bob, 'edit-history');
    await bob.keyboard.press('Escape');
    await bob.locator(tid('edit-history-dialog')).waitFor({ state: 'detached' });

    await send(alice, 'oops, wrong room');
    const id = await message(alice, 'oops, wrong room').getAttribute('data-message-id');
    await message(bob, 'oops, wrong room').waitFor();
    await message(alice, 'oops, wrong room').locator(tid('delete-message')).focus();
    await alice.keyboard.press('Enter');
    await alice.locator(tid('confirm-ok')).click();
    await bob.locator(`${tid('message')}[data-message-id="${id}"][data-deleted="true"]`).filter({ hasText: 'This message was deleted.' }).waitFor();

    await bob.locator(tid('composer-input')).pressSequentially('Looks great');
    await alice.locator(tid('typing-indicator')).filter({ hasText: 'Bob Builder is typing…' }).waitFor();
    await screenshot(alice, 'chat-desktop');
    await bob.locator(tid('composer-input')).press('Enter');
    await message(alice, 'Looks great').waitFor();
  });

  it('pins a message: the other user sees the pin count and the list, and an unpin live', async () => {
    // Only the owner and admins get the Pin action.
    expect(await message(bob, 'Looks great').locator(tid('pin-message')).count()).toBe(0);
    await message(alice, 'Looks great').locator(tid('pin-message')).focus();
    await alice.keyboard.press('Enter');
    await bob.locator(`${tid('message')}[data-pinned="true"]`).filter({ hasText: 'Looks great' }).waitFor();
    await bob.locator(tid('pins-button')).filter({ hasText: '1' }).click();
    await bob.locator(`${tid('pin-list')} ${tid('pin')}`).filter({ hasText: 'pinned by Alice Liddell' }).waitFor();
    expect(await bob.locator(tid('pin-unpin')).count()).toBe(0);
    await screenshot(bob, 'pins');
    await bob.locator(tid('pin-jump')).click();
    await bob.locator(tid('pins-dialog')).waitFor({ state: 'detached' });

    await alice.locator(tid('pins-button')).click();
    await alice.locator(tid('pin-unpin')).click();
    await alice.locator(`${tid('pin-list')} .note`).filter({ hasText: 'Nothing is pinned.' }).waitFor();
    await alice.keyboard.press('Escape');
    await bob.locator(tid('pins-button')).waitFor({ state: 'hidden' });
    expect(await message(bob, 'Looks great').getAttribute('data-pinned')).toBe('false');
  });

  it('reacts to a message: the chip and its count reach the other user, and a click on it adds theirs', async () => {
    const target = 'Hi Bob! Welcome aboard.';
    await message(bob, target).locator(tid('react-message')).focus();
    await bob.keyboard.press('Enter');
    await bob.locator(`${tid('reaction-option')}[data-emoji="🎉"]`).click();
    const chip = (page: Page): Locator => message(page, target).locator(`${tid('reaction')}[data-emoji="🎉"]`);
    await chip(alice).filter({ hasText: '1' }).waitFor();
    expect(await chip(alice).getAttribute('aria-pressed')).toBe('false');
    expect(await chip(bob).getAttribute('aria-pressed')).toBe('true');
    await chip(alice).click();
    await chip(bob).filter({ hasText: '2' }).waitFor();
    await alice.locator(`${tid('message')} ${tid('reaction')}[data-emoji="🎉"][aria-pressed="true"]`).waitFor();
    await screenshot(alice, 'reactions');
    // After a reload the reactions come with the history, each user's own marked.
    await bob.reload();
    await chip(bob).filter({ hasText: '2' }).waitFor();
    expect(await chip(bob).getAttribute('aria-pressed')).toBe('true');
  });

  it('badges unread messages of a room not on screen, and shows a mention as a toast', async () => {
    await createRoom(alice, 'random', 'public');
    await joinViaBrowse(bob, 'random');
    await roomItem(bob, 'general').click();
    await bob.locator(tid('chat-title')).filter({ hasText: 'general' }).waitFor();

    await send(alice, 'anyone around?');
    await send(alice, '@bob have a look at this');
    await roomItem(bob, 'random').locator(tid('unread-badge')).filter({ hasText: '2' }).waitFor();
    const toast = bob.locator(`${tid('toast')}[data-kind="mention"]`);
    await toast.filter({ hasText: 'Alice Liddell mentioned you in #random' }).waitFor();
    expect(await toast.locator(tid('toast-text')).textContent()).toBe('@bob have a look at this');
    expect(await roomItem(bob, 'general').locator(tid('unread-badge')).isHidden()).toBe(true);
    await screenshot(bob, 'rooms-unread-mention');

    // The toast opens the room; the badge goes away.
    await toast.locator(tid('toast-action')).click();
    await bob.locator(tid('chat-title')).filter({ hasText: 'random' }).waitFor();
    await roomItem(bob, 'random').locator(tid('unread-badge')).waitFor({ state: 'hidden' });
    expect(await message(bob, '@bob have a look at this').getAttribute('class')).toMatch(/mentions-me/);
  });

  it('starts a direct conversation from the member list', async () => {
    await bob.locator(`${tid('member-item')}[data-username="alice"] ${tid('member-message')}`).click();
    await bob.locator(tid('chat-title')).filter({ hasText: 'Alice Liddell' }).waitFor();
    await send(bob, 'psst, a private word');
    await alice.locator(tid('toast')).filter({ hasText: '@bob started a conversation with you' }).waitFor();
    await roomItem(alice, 'bob').locator(tid('unread-badge')).filter({ hasText: '1' }).waitFor();
    // The same conversation from the user search ("Message" button): it opens the existing room.
    await alice.locator(tid('new-dm')).click();
    await alice.locator(tid('user-search')).fill('Bob B');
    await alice.locator(`${tid('user-result')}[data-username="bob"]`).click();
    await alice.locator(tid('chat-title')).filter({ hasText: 'Bob Builder' }).waitFor();
    await message(alice, 'psst, a private word').waitFor();
    await roomItem(alice, 'bob').locator(tid('unread-badge')).waitFor({ state: 'hidden' });
    expect(await alice.locator(`${tid('room-item')}[data-kind="direct"]`).count()).toBe(1);
  });

  it('adds a member to a private room from a user search', async () => {
    await createRoom(alice, 'secret-plans', 'private');
    await alice.locator(tid('add-member-button')).click();
    await alice.locator(tid('user-search')).fill('bo');
    await alice.locator(`${tid('user-result')}[data-username="bob"]`).click();
    await alice.locator(`${tid('toast')}[data-kind="success"]`).filter({ hasText: 'Bob Builder was added' }).waitFor();
    await bob.locator(tid('toast')).filter({ hasText: 'You were added to secret-plans' }).waitFor();
    await roomItem(bob, 'secret-plans').waitFor();
    await member(alice, 'bob', false).waitFor({ state: 'attached' });
  });

  it('loads history on scroll-up without moving what is on screen, and does not jump on new messages', async () => {
    const api = new Api(servers[0]!.url);
    const auth = await token(alice);
    const room = (await api.post<Room>('/api/rooms', { name: 'archive' }, auth)).body;
    for (let i = 1; i <= 120; i++) {
      const posted = await api.post<Message>(`/api/rooms/${room.id}/messages`, { content: `history line ${i}` }, auth);
      expect(posted.status).toBe(201);
    }
    await alice.evaluate((id) => (location.hash = `#/room/${id}`), room.id);
    await message(alice, 'history line 120').waitFor();
    await alice.locator(tid('load-older')).waitFor(); // more history above
    const firstLoaded = await alice.locator(tid('message')).count();
    expect(firstLoaded).toBeLessThan(120);

    // Scroll to the top: an older page is prepended and the message that was on top stays where it was.
    const anchorSeq = await alice.locator(tid('message')).first().getAttribute('data-seq');
    const anchor = alice.locator(`${tid('message')}[data-seq="${anchorSeq}"]`);
    const before = await alice.locator(tid('messages')).evaluate((scroller, seq) => {
      scroller.scrollTop = 0;
      return scroller.querySelector(`[data-seq="${seq}"]`)!.getBoundingClientRect().top;
    }, anchorSeq);
    await alice.waitForFunction((count) => document.querySelectorAll('[data-testid="message"]').length > count, firstLoaded);
    expect(Math.abs((await anchor.evaluate((element) => element.getBoundingClientRect().top)) - before)).toBeLessThanOrEqual(1);

    // Someone else's message while scrolled up: nothing moves, a "new messages" button appears instead.
    const bobAuth = await token(bob);
    expect((await api.post(`/api/rooms/${room.id}/join`, {}, bobAuth)).status).toBe(200);
    const top = await anchor.evaluate((element) => element.getBoundingClientRect().top);
    expect((await api.post(`/api/rooms/${room.id}/messages`, { content: 'a brand new line' }, bobAuth)).status).toBe(201);
    await message(alice, 'a brand new line').waitFor({ state: 'attached' });
    await alice.locator(tid('jump-latest')).waitFor();
    expect(await anchor.evaluate((element) => element.getBoundingClientRect().top)).toBe(top);
    await alice.locator(tid('jump-latest')).click();
    await message(alice, 'a brand new line').waitFor({ state: 'visible' });
    await alice.locator(tid('jump-latest')).waitFor({ state: 'hidden' });
  });

  it('keeps the session (and the open room) across a reload', async () => {
    await roomItem(alice, 'general').click();
    await message(alice, 'Hi Bob! Welcome aboard.').waitFor();

    await bob.reload();
    await bob.locator(tid('current-user-name')).filter({ hasText: 'Bob Builder' }).waitFor();
    await bob.locator(tid('chat-title')).filter({ hasText: 'Alice Liddell' }).waitFor();
    await message(bob, 'psst, a private word').waitFor();
    await roomItem(bob, 'general').waitFor();
    await bob.locator(`${tid('connection-status')}[data-status="connected"]`).waitFor();
  });

  it('works on a phone-sized screen: room list and chat are separate views', async () => {
    const phone = await openPage(servers[1]!.url, { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await phone.locator(tid('auth-username')).fill('alice');
    await phone.locator(tid('auth-password')).fill('wrong password');
    await phone.locator(tid('auth-submit')).click();
    await phone.locator(tid('auth-error')).filter({ hasText: 'Wrong username or password.' }).waitFor();
    await phone.locator(tid('auth-password')).fill(PASSWORD);
    await phone.locator(tid('auth-submit')).click();
    await roomItem(phone, 'general').waitFor();
    expect(await phone.locator(tid('main')).isHidden()).toBe(true);
    // Read state is kept on the server: nothing that Alice sent or saw on her desktop counts as unread.
    expect(await phone.locator(`${tid('unread-badge')}:not([hidden])`).count()).toBe(0);
    await screenshot(phone, 'phone-rooms');

    await roomItem(phone, 'general').tap();
    await message(phone, 'Hi Bob! Welcome aboard.').waitFor();
    expect(await phone.locator(tid('sidebar')).isHidden()).toBe(true);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await send(phone, 'Sent from my phone');
    await message(alice, 'Sent from my phone').waitFor();
    await screenshot(phone, 'phone-chat');

    await phone.locator(tid('back-button')).tap();
    await roomItem(phone, 'general').waitFor();
    await phone.context().close();
  });

  it('moderates through the UI: roles by rank, a mute the member sees in the composer, a report the site admin resolves', async () => {
    const carol = await openPage(servers[1]!.url);
    await register(carol, 'carol', 'Carol Danvers');
    await createRoom(alice, 'moderated', 'public', 'Be nice');
    await joinViaBrowse(bob, 'moderated');
    await joinViaBrowse(carol, 'moderated');
    const actionsOf = (page: Page, username: string): Locator => page.locator(`${tid('member-item')}[data-username="${username}"] ${tid('member-actions')}`);

    // The owner makes Bob a moderator from the member menu; members see no menu at all.
    await member(alice, 'bob', true).waitFor({ state: 'attached' });
    await actionsOf(alice, 'bob').click();
    await alice.locator(tid('member-actions-dialog')).waitFor();
    expect(await alice.locator(`${tid('member-actions-dialog')} ${tid('role-admin')}`).count()).toBe(1);
    await alice.locator(tid('role-moderator')).click();
    await alice.locator(`${tid('member-item')}[data-username="bob"][data-role="moderator"]`).waitFor({ state: 'attached' });
    expect(await carol.locator(tid('member-actions')).count()).toBe(0);
    expect(await carol.locator(tid('moderation-button')).isHidden()).toBe(true);

    // Roles change without an event: Bob's view learns his when it (re)opens the room.
    await roomItem(bob, 'general').click();
    await bob.locator(tid('chat-title')).filter({ hasText: 'general' }).waitFor();
    await roomItem(bob, 'moderated').click();
    await actionsOf(bob, 'carol').waitFor();
    expect(await actionsOf(bob, 'alice').count()).toBe(0); // not above his rank

    await send(carol, 'buy cheap pills at example.com');
    await message(bob, 'buy cheap pills').waitFor();
    expect(await message(bob, 'buy cheap pills').locator(tid('delete-message')).count()).toBe(1); // moderators delete any message

    await actionsOf(bob, 'carol').click();
    const menu = bob.locator(tid('member-actions-dialog'));
    await menu.waitFor();
    expect(await menu.locator('button.button').allTextContents()).toEqual(['10 minutes', '1 hour', '1 day', 'For good', 'Kick', 'Ban']);
    await screenshot(bob, 'moderation-members');
    await menu.locator(tid('mute-10m')).click();
    await bob.locator(`${tid('member-item')}[data-username="carol"][data-muted="true"] ${tid('member-muted')}`).waitFor();

    // Carol hears member:muted for herself: the composer is disabled and says until when.
    await carol.locator(tid('muted-notice')).filter({ hasText: /You are muted in this room until / }).waitFor();
    expect(await carol.locator(tid('composer-input')).isDisabled()).toBe(true);
    expect(await carol.locator(tid('send-button')).isDisabled()).toBe(true);
    // After a reload the room itself says so (Room.muted / mutedUntil), before any send is refused.
    await carol.reload();
    await carol.locator(tid('muted-notice')).filter({ hasText: /You are muted in this room until / }).waitFor();
    expect(await carol.locator(tid('composer-input')).isDisabled()).toBe(true);

    // Bob reports the message (members and moderators alike can).
    await message(bob, 'buy cheap pills').locator(tid('report-message')).focus();
    await bob.keyboard.press('Enter');
    await bob.locator(tid('report-reason')).fill('spam');
    await bob.locator(tid('report-submit')).click();
    await bob.locator(`${tid('toast')}[data-kind="success"]`).filter({ hasText: 'site admins' }).waitFor();

    // The owner's Moderation panel: the mute in force and the room's audit log.
    await alice.locator(tid('moderation-button')).click();
    const panel = alice.locator(tid('moderation-panel'));
    await panel.locator(`${tid('sanction')}[data-username="carol"][data-kind="mute"]`).waitFor();
    await panel.locator(`${tid('audit-entry')}[data-action="member.muted"]`).filter({ hasText: 'Bob Builder muted Carol Danvers until' }).waitFor();
    expect(await panel.locator(tid('audit-entry')).evaluateAll((entries) => entries.map((entry) => entry.getAttribute('data-action')))).toEqual([
      'member.muted',
      'member.role_changed',
    ]);
    await screenshot(alice, 'moderation-panel');
    await panel.locator(tid('dialog-close')).click();

    // A site admin resolves the report on /admin/ by deleting the message; the room sees it deleted.
    await runAdminCommand(['grant', 'alice'], testEnv(servers[0]!.config.databaseUrl as string));
    const admin = await openPage(`${servers[0]!.url}/admin/`);
    await admin.locator('#username').fill('alice');
    await admin.locator('#password').fill(PASSWORD);
    await admin.locator('#login button[type=submit]').click();
    await admin.locator(tid('tab-reports')).click();
    const report = admin.locator(`${tid('report')}[data-status="open"]`).filter({ hasText: 'buy cheap pills' });
    await report.filter({ hasText: 'Bob Builder' }).filter({ hasText: 'spam' }).waitFor();
    await screenshot(admin, 'admin-reports');
    await report.locator(tid('report-delete')).click();
    await admin.locator(`${tid('report')}[data-status="actioned"]`).filter({ hasText: 'The message was deleted.' }).waitFor();
    await message(carol, 'This message was deleted.').waitFor();
    await message(bob, 'This message was deleted.').waitFor();

    // The site audit log, filtered by action.
    await admin.locator(tid('tab-audit')).click();
    await admin.locator(tid('audit-action')).selectOption('report.resolved');
    await admin.locator(tid('audit-apply')).click();
    await admin.locator(`${tid('audit-row')}[data-action="report.resolved"]`).filter({ hasText: 'resolution: actioned' }).waitFor();
    expect(await admin.locator(tid('audit-row')).evaluateAll((rows) => rows.every((row) => row.getAttribute('data-action') === 'report.resolved'))).toBe(true);

    // The admin page fits a phone.
    await admin.setViewportSize({ width: 390, height: 844 });
    await admin.locator(tid('tab-reports')).click();
    await admin.locator(tid('report-status')).selectOption('');
    await admin.locator(`${tid('report')}[data-status="actioned"]`).first().waitFor();
    expect(await admin.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await admin.context().close();
    await carol.context().close();
  });

  it('never opened a dialog or threw in the page', () => {
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
