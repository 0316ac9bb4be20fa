import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../apps/server/src/server';
import { runAdminCommand } from '../apps/server/src/admin-cli';
import { launchChromium } from './support/browser';
import { Api } from './support/client';
import { startTestServer, testEnv } from './support/server';

/**
 * The admin dashboard (/admin/) keeps its session: with 15-second access tokens it renews before expiry, so the
 * live stats stream and the REST calls go on past the first token's lifetime, and a reload after expiry stays
 * signed in (the refresh token is kept for the tab).
 */
const PASSWORD = 'correct horse battery';
const TOKEN_TTL_SECONDS = 15;

describe('admin dashboard session', () => {
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startTestServer({ ACCESS_TOKEN_TTL: String(TOKEN_TTL_SECONDS), STATS_INTERVAL_MS: '200' }),
      launchChromium('test/browser-admin.e2e-spec.ts', 'admin/index.html'),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const storedToken = (page: Page): Promise<string | null> => page.evaluate(() => sessionStorage.getItem('parley-admin-token'));
  /** Resolves with the time the dashboard next renders a stats event (its status line shows the event's time). */
  const nextStatsAfter = async (page: Page, previous: string | null): Promise<string> => {
    await page.waitForFunction((before) => {
      const text = document.getElementById('status')?.textContent ?? '';
      return text.startsWith('live') && text !== before;
    }, previous);
    return (await page.locator('#status').textContent()) ?? '';
  };

  it('renews its token before expiry: the stats stream and REST calls go on past the first token, and a reload stays signed in', async () => {
    await new Api(server.url).register('alice', PASSWORD);
    await runAdminCommand(['grant', 'alice'], testEnv(server.config.databaseUrl as string));
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    await page.goto(`${server.url}/admin/`);
    await page.locator('#username').fill('alice');
    await page.locator('#password').fill(PASSWORD);
    await page.locator('#login button[type=submit]').click();
    await nextStatsAfter(page, null);
    const firstToken = await storedToken(page);
    const signedInAt = Date.now();
    expect(firstToken).toBeTruthy();

    // The token is renewed before it expires (at 80 % of a 15 s lifetime)…
    await page.waitForFunction((first) => sessionStorage.getItem('parley-admin-token') !== first, firstToken);
    // Not much sooner either: each renewal rotates the refresh token, so renewing every second (as a wrong delay
    // formula once did) makes a reload during a renewal in flight present a used token and end the session.
    const renewedAfter = Date.now() - signedInAt;
    expect(renewedAfter).toBeLessThan(TOKEN_TTL_SECONDS * 1000);
    expect(renewedAfter).toBeGreaterThan(TOKEN_TTL_SECONDS * 1000 * 0.8 - 4000);
    // …so past the first token's expiry the stream still delivers and REST calls still work, with no sign-in form.
    await page.waitForTimeout(Math.max(0, signedInAt + TOKEN_TTL_SECONDS * 1000 + 500 - Date.now()));
    const status = await page.locator('#status').textContent();
    await nextStatsAfter(page, status);
    await page.locator('[data-testid="tab-reports"]').click();
    await page.locator('#reports-view').waitFor();
    expect(await page.locator('#reports-error').textContent()).toBe('');
    expect(await page.locator('#login').isHidden()).toBe(true);

    // A reload with an expired access token in storage renews it from the kept refresh token instead of asking again.
    await page.evaluate(() => sessionStorage.setItem('parley-admin-token', 'expired.token.value'));
    await page.reload();
    await nextStatsAfter(page, null);
    expect(await page.locator('#login').isHidden()).toBe(true);
    expect(await storedToken(page)).not.toBe('expired.token.value');
    await context.close();
  });
});
