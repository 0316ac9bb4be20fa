import type { ErrorBody } from '@parley/contract';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../apps/server/src/server';
import { launchChromium, newPageProblems, openPage as openBrowserPage, screenshot, signInThroughForm, tid } from './support/browser';
import { Api } from './support/client';
import { startTestCluster } from './support/server';

/**
 * The web client's people features (apps/web/src/people.ts) in Debian's Chromium: two users on two instances;
 * one adds the other as a contact, sees their status dot and text change live and their last seen time, sets
 * their own status, and blocks them. Screenshots go to test-artifacts/screens/ (docs/screens/ has copies).
 */
const PASSWORD = 'correct horse battery';

describe('web client: status and contacts (two users, two instances)', () => {
  let servers: RunningServer[];
  let browser: Browser;
  const problems = newPageProblems();
  const { pageErrors } = problems;

  const openPage = (url: string): Promise<Page> => openBrowserPage(browser, url, problems);
  const register = (page: Page, username: string, displayName: string): Promise<void> => signInThroughForm(page, 'register', { username, displayName, password: PASSWORD });
  const setStatus = async (page: Page, status: string, text: string): Promise<void> => {
    await page.locator(tid('status-button')).click();
    await page.locator(tid('status-select')).selectOption(status);
    await page.locator(tid('status-text')).fill(text);
    await page.locator(tid('status-save')).click();
    await page.locator(tid('status-dialog')).waitFor({ state: 'detached' });
  };
  const contact = (page: Page, username: string, status: string) => page.locator(`${tid('contact')}[data-username="${username}"][data-status="${status}"]`);
  const token = (page: Page): Promise<string> =>
    page.evaluate(() => (JSON.parse(localStorage.getItem('parley.session') ?? '{}') as { accessToken: string }).accessToken);

  beforeAll(async () => {
    [servers, browser] = await Promise.all([startTestCluster(2), launchChromium('test/browser-people.e2e-spec.ts')]);
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all((servers ?? []).map((server) => server.close()));
  });

  it('adds a contact, shows their status live (busy with a text, then offline with a last seen time), sets its own, blocks', async () => {
    const [alice, bob] = await Promise.all([openPage(servers[0]!.url), openPage(servers[1]!.url)]);
    await Promise.all([register(alice, 'alice', 'Alice Liddell'), register(bob, 'bob', 'Bob Builder')]);
    await alice.locator(`${tid('my-status-dot')}[data-status="online"]`).waitFor();
    await alice.locator(tid('contact-list')).filter({ hasText: 'No contacts yet.' }).waitFor();

    await alice.locator(tid('add-contact')).click();
    await alice.locator(tid('user-search')).fill('bo');
    await alice.locator(`${tid('user-result')}[data-username="bob"]`).click();
    await contact(alice, 'bob', 'online').waitFor();

    await setStatus(bob, 'busy', 'In a meeting until 3');
    await contact(alice, 'bob', 'busy').locator(tid('contact-status-text')).filter({ hasText: 'Busy · In a meeting until 3' }).waitFor();
    await setStatus(alice, 'away', 'Back soon');
    await alice.locator(`${tid('my-status-dot')}[data-status="away"]`).waitFor();
    expect(await alice.locator(tid('my-status-summary')).textContent()).toBe('Away · Back soon');
    await screenshot(alice, 'people-contacts');

    const bobToken = await token(bob);
    await bob.context().close();
    await contact(alice, 'bob', 'offline').locator(tid('contact-status-text')).filter({ hasText: /^Last seen .* · In a meeting until 3$/ }).waitFor();

    await contact(alice, 'bob', 'offline').locator(tid('block-contact')).click();
    await alice.locator(tid('confirm-ok')).click();
    await alice.locator(tid('contact-list')).filter({ hasText: 'No contacts yet.' }).waitFor();
    const api = new Api(servers[1]!.url);
    // Bob no longer finds Alice by name; her id comes from her own session.
    expect((await api.get<unknown[]>('/api/users?search=alice', bobToken)).body).toEqual([]);
    const aliceId = (await api.get<{ id: string }>('/api/users/me', await token(alice))).body.id;
    const refused = await api.post<ErrorBody>('/api/dms', { userId: aliceId }, bobToken);
    expect([refused.status, refused.body.code]).toEqual([404, 'not_found']);
    expect(pageErrors).toEqual([]);
  });
});
