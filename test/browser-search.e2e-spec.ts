import type { AuthResult, Message, Room } from '@parley/contract';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../apps/server/src/server';
import { launchChromium, newPageProblems, openPage, screenshot, signInThroughForm, tid } from './support/browser';
import { Api } from './support/client';
import { startTestServer } from './support/server';

/**
 * Search in the web client (apps/web/src/search.ts), in Debian's Chromium: the sidebar's search box, results
 * with the matched words marked, and a result opened in its room's history around it, then the room itself.
 * Screenshots go to test-artifacts/screens/ (docs/screens/search-*.png are copies).
 */
const PASSWORD = 'correct horse battery';
const XSS = '<img src=x onerror=alert(1)>';

describe('web client: search', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let alice: AuthResult;
  let design: Room;
  let hit: Message;
  const problems = newPageProblems();
  const { dialogs, pageErrors } = problems;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer(), launchChromium('test/browser-search.e2e-spec.ts')]);
    const api = new Api(server.url);
    const register = async (username: string, displayName: string): Promise<AuthResult> =>
      (await api.post<AuthResult>('/api/auth/register', { username, password: PASSWORD, displayName })).body;
    alice = await register('alice', 'Alice Liddell');
    const bob = await register('bob', 'Bob Builder');
    design = (await api.post<Room>('/api/rooms', { name: 'design', description: 'Pixels and coffee' }, alice.accessToken)).body;
    await api.post(`/api/rooms/${design.id}/join`, {}, bob.accessToken);
    const say = async (token: string, roomId: string, content: string): Promise<Message> =>
      (await api.post<Message>(`/api/rooms/${roomId}/messages`, { content }, token)).body;
    for (let i = 1; i <= 45; i++) {
      const author = i % 2 === 0 ? alice : bob;
      const message = await say(author.accessToken, design.id, i === 20 ? 'Good news: the cappuccino machine on the 3rd floor is fixed ☕' : `Design review, item ${i}: spacing and colours`);
      if (i === 20) hit = message;
    }
    const dm = (await api.post<Room>('/api/dms', { userId: bob.user.id }, alice.accessToken)).body;
    await say(bob.accessToken, dm.id, `Cappuccino later? ${XSS}`);
    await say(bob.accessToken, dm.id, 'Or tea, whatever you like');

    page = await openPage(browser, server.url, problems);
    await signInThroughForm(page, 'login', { username: 'alice', displayName: 'Alice Liddell', password: PASSWORD });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('searches from the sidebar: results from rooms and DMs, the matched words marked, markup shown as text', async () => {
    await page.locator(tid('search-input')).fill('cappuccino');
    await page.locator(tid('search-input')).press('Enter');
    const hits = page.locator(tid('search-hit'));
    await hits.nth(1).waitFor();
    expect(await hits.count()).toBe(2);
    expect(await page.locator(`${tid('search-hit')} mark`).allTextContents()).toEqual(expect.arrayContaining(['cappuccino', 'Cappuccino']));
    const dmHit = hits.filter({ hasText: 'Cappuccino later?' });
    expect(await dmHit.locator(tid('search-snippet')).textContent()).toBe(`Cappuccino later? ${XSS}`);
    expect(await dmHit.locator('img').count()).toBe(0);
    expect(await hits.filter({ hasText: '#design' }).count()).toBe(1);
    await screenshot(page, 'search-results');
  });

  it('opens a result in its room’s history around it, marked, and pages both ways', async () => {
    await page.locator(`${tid('search-hit')}[data-message-id="${hit.id}"]`).click();
    const marked = page.locator(tid('search-context-hit'));
    await marked.waitFor();
    expect(await marked.getAttribute('data-seq')).toBe(String(hit.seq));
    expect(await marked.textContent()).toContain('cappuccino machine');
    expect(await marked.isVisible()).toBe(true);
    const seqs = async (): Promise<number[]> => (await page.locator(`${tid('search-context-messages')} > li`).evaluateAll((items) => items.map((item) => Number(item.getAttribute('data-seq')))));
    expect(await seqs()).toEqual(Array.from({ length: 30 }, (_, i) => i + hit.seq - 14));
    await screenshot(page, 'search-context');
    await page.locator(tid('search-context-earlier')).click();
    await page.locator(`${tid('search-context-messages')} > li[data-seq="1"]`).waitFor();
    expect(await page.locator(tid('search-context-earlier')).isHidden()).toBe(true);
    await page.locator(tid('search-context-later')).click();
    // Seq 1 is Bob's join (a system line), then the 45 messages.
    await page.locator(`${tid('search-context-messages')} > li[data-seq="46"]`).waitFor();
    expect(await seqs()).toEqual(Array.from({ length: 46 }, (_, i) => i + 1));
  });

  it('goes back to the results, then opens the room itself', async () => {
    await page.locator(tid('search-back')).click();
    await page.locator(tid('search-hit')).first().waitFor();
    await page.locator(`${tid('search-hit')}[data-message-id="${hit.id}"]`).click();
    await page.locator(tid('search-open-room')).click();
    await page.locator(tid('chat-title')).filter({ hasText: 'design' }).waitFor();
    expect(await page.locator(tid('search-dialog')).count()).toBe(0);
    expect(page.url()).toContain(`#/room/${design.id}`);
  });

  it('says why a search is refused', async () => {
    await page.locator(tid('search-input')).fill('-coffee');
    await page.locator(tid('search-input')).press('Enter');
    const error = page.locator(`${tid('search-dialog')} ${tid('dialog-error')}`);
    await error.waitFor();
    expect(await error.textContent()).toMatch(/not only words to leave out/);
    await page.locator(tid('dialog-close')).click();
  });

  it('never opened a dialog or threw', () => {
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
