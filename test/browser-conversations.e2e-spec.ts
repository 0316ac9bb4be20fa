import type { AuthResult, Room } from '@parley/contract';
import type { Browser, Locator, Page } from 'playwright-core';
import type { RunningServer } from '../apps/server/src/server';
import { launchChromium, newPageProblems, openPage as openBrowserPage, screenshot, signInThroughForm, tid } from './support/browser';
import { Api } from './support/client';
import { startTestCluster } from './support/server';

/**
 * The web client's live conversation list (issue 17 §3, §4) in Debian's Chromium: Bob's sidebar on instance B
 * follows what Alice does on instance A (order, previews, unread and mention badges), and Bob mutes, archives,
 * marks unread and starts a group DM from it. Screenshots go to test-artifacts/screens/ (copies in docs/screens/).
 */
const PASSWORD = 'correct horse battery';

describe('web client: the live conversation list and group DMs (two instances)', () => {
  let servers: RunningServer[];
  let browser: Browser;
  let api: Api;
  let alice: AuthResult;
  let bob: AuthResult;
  let carol: AuthResult;
  let bobPage: Page;
  let alicePage: Page;
  let lobby: Room;
  let news: Room;
  const problems = newPageProblems();
  const { pageErrors } = problems;

  const openPage = async (server: RunningServer, user: AuthResult, displayName: string): Promise<Page> => {
    const page = await openBrowserPage(browser, server.url, problems);
    await signInThroughForm(page, 'login', { username: user.user.username, displayName, password: PASSWORD });
    return page;
  };
  const item = (page: Page, name: string): Locator => page.locator(`${tid('conversation-list')} ${tid('room-item')}[data-room-name="${name}"]`);
  const order = (page: Page): Promise<string[]> =>
    page.locator(`${tid('conversation-list')} ${tid('room-item')}`).evaluateAll((elements) => elements.map((element) => (element as HTMLElement).dataset.roomName ?? ''));
  const menu = async (page: Page, name: string, action: string): Promise<void> => {
    const row = page.locator('.conversation-row').filter({ has: page.locator(`${tid('room-item')}[data-room-name="${name}"]`) });
    await row.hover();
    await row.locator(tid('conversation-menu')).click();
    await row.locator(tid(action)).click();
  };
  const post = async (room: Room, content: string): Promise<void> => {
    expect((await api.post(`/api/rooms/${room.id}/messages`, { content }, alice.accessToken)).status).toBe(201);
  };

  beforeAll(async () => {
    [servers, browser] = await Promise.all([startTestCluster(2), launchChromium('test/browser-conversations.e2e-spec.ts')]);
    api = new Api(servers[0]!.url);
    const register = async (username: string, displayName: string): Promise<AuthResult> => {
      const result = await api.post<AuthResult>('/api/auth/register', { username, password: PASSWORD, displayName });
      expect(result.status).toBe(201);
      return result.body;
    };
    [alice, bob, carol] = [await register('alice', 'Alice Liddell'), await register('bob', 'Bob Builder'), await register('carol', 'Carol Danvers')];
    lobby = await api.createRoom(alice.accessToken, 'lobby');
    news = await api.createRoom(alice.accessToken, 'news');
    for (const room of [lobby, news]) expect((await api.post(`/api/rooms/${room.id}/join`, {}, bob.accessToken)).status).toBe(200);
    await post(lobby, 'Welcome to the lobby');
    await post(news, 'First edition is out');
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all((servers ?? []).map((server) => server.close()));
  });

  it('shows rooms by last activity with previews and unread counts, and follows new messages from the other instance', async () => {
    bobPage = await openPage(servers[1]!, bob, 'Bob Builder');
    await item(bobPage, 'news').locator(tid('unread-badge')).filter({ hasText: '1' }).waitFor();
    expect(await order(bobPage)).toEqual(['news', 'lobby']);
    expect(await item(bobPage, 'news').locator(tid('conversation-preview')).textContent()).toBe('Alice Liddell: First edition is out');

    // Alice writes in the lobby on instance A, mentioning Bob: it moves up with a new preview, two unread and a mention.
    await post(lobby, 'Lunch at noon, @bob?');
    await item(bobPage, 'lobby').locator(tid('unread-badge')).filter({ hasText: '2' }).waitFor();
    await item(bobPage, 'lobby').locator(tid('mention-badge')).waitFor();
    expect(await order(bobPage)).toEqual(['lobby', 'news']);
    expect(await item(bobPage, 'lobby').locator(tid('conversation-preview')).textContent()).toBe('Alice Liddell: Lunch at noon, @bob?');
    await screenshot(bobPage, 'conversations');

    // Opening it reads it: the badges go.
    await item(bobPage, 'lobby').click();
    await bobPage.locator(tid('chat-title')).filter({ hasText: 'lobby' }).waitFor();
    await item(bobPage, 'lobby').locator(tid('unread-badge')).waitFor({ state: 'hidden' });
    expect(await item(bobPage, 'lobby').locator(tid('mention-badge')).isHidden()).toBe(true);
  });

  it('mutes, archives until the next message, and marks as unread from the menu', async () => {
    await menu(bobPage, 'news', 'conversation-mute');
    await bobPage.locator(`${tid('room-item')}[data-room-name="news"][data-muted="true"]`).waitFor();
    expect(await item(bobPage, 'news').locator(tid('muted-mark')).isVisible()).toBe(true);

    await menu(bobPage, 'news', 'conversation-archive');
    await item(bobPage, 'news').waitFor({ state: 'detached' });
    await post(news, 'Second edition');
    await item(bobPage, 'news').locator(tid('conversation-preview')).filter({ hasText: 'Second edition' }).waitFor();
    expect(await order(bobPage)).toEqual(['news', 'lobby']);

    // The lobby was read on screen; from the list it is marked unread again (the newest message).
    await bobPage.evaluate(() => (location.hash = '#/'));
    await bobPage.locator(tid('empty-state')).waitFor();
    await menu(bobPage, 'lobby', 'conversation-unread');
    await item(bobPage, 'lobby').locator(tid('unread-badge')).filter({ hasText: '1' }).waitFor();
  });

  it('starts a group DM that appears at once in every member’s list', async () => {
    alicePage = await openPage(servers[0]!, alice, 'Alice Liddell');
    await bobPage.locator(tid('new-group-dm')).click();
    for (const name of ['alice', 'carol']) {
      await bobPage.locator(tid('group-dm-search')).fill(name);
      await bobPage.locator(`${tid('group-dm-result')}[data-username="${name}"]`).click();
      await bobPage.locator(`${tid('group-dm-chip')}[data-username="${name}"]`).waitFor();
    }
    await bobPage.locator(tid('group-dm-submit')).click();
    await bobPage.locator(`${tid('conversation-list')} ${tid('room-item')}[data-kind="group_dm"]`).waitFor();
    await bobPage.locator(tid('composer-input')).fill('Hello both of you');
    await bobPage.locator(tid('composer-input')).press('Enter');

    // Alice's list on the other instance gets the group and its first message, without a reload.
    const group = alicePage.locator(`${tid('conversation-list')} ${tid('room-item')}[data-kind="group_dm"]`);
    await group.locator(tid('conversation-preview')).filter({ hasText: 'Bob Builder: Hello both of you' }).waitFor();
    expect(await group.getAttribute('data-room-name')).toBe('bob, carol');
    await screenshot(bobPage, 'group-dm');
    // The same people get the same conversation: opening the group again from Carol's side finds it.
    const again = await api.post<Room>('/api/group-dms', { userIds: [alice.user.id, bob.user.id] }, carol.accessToken);
    expect(again.status).toBe(200);
  });

  it('threw nothing in the pages', () => {
    expect(pageErrors).toEqual([]);
  });
});
