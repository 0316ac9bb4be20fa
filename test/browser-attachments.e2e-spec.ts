import type { AuthResult, Message, MessagePage, Room } from '@parley/contract';
import sharp from 'sharp';
import type { Browser, Locator, Page, Route } from 'playwright-core';
import type { RunningServer } from '../apps/server/src/server';
import { launchChromium, newPageProblems, openPage as openBrowserPage, screenshot, signInThroughForm, tid } from './support/browser';
import { uploaded } from './support/attachments';
import { Api, eventually } from './support/client';
import { startTestCluster } from './support/server';

/**
 * Attachments in the web client (apps/web/src/attachments.ts) in Debian's Chromium, on two instances: Alice
 * attaches through the file picker, drag-and-drop and the tray's chips (progress, refusal, the 10-file limit),
 * sends with and without a caption; Bob on the other instance sees the thumbnails, downloads the file, opens the
 * lightbox, and his conversation list says "Photo". Screenshots go to test-artifacts/screens/ (a copy in
 * docs/screens/attachments.png).
 */
const PASSWORD = 'correct horse battery';
const MAX_BYTES = 200_000;

describe('web client: attachments (two instances)', () => {
  let servers: RunningServer[];
  let browser: Browser;
  let api: Api;
  let alice: AuthResult;
  let bob: AuthResult;
  let room: Room;
  let alicePage: Page;
  let bobPage: Page;
  const problems = newPageProblems();

  const png = (width: number, height: number, r = 20): Promise<Buffer> =>
    sharp({ create: { width, height, channels: 3, background: { r, g: 120, b: 200 } } })
      .png()
      .toBuffer();
  const openPage = async (server: RunningServer, user: AuthResult, displayName: string): Promise<Page> => {
    const page = await openBrowserPage(browser, server.url, problems);
    await signInThroughForm(page, 'login', { username: user.user.username, displayName, password: PASSWORD });
    await page.locator(`${tid('conversation-list')} ${tid('room-item')}[data-room-name="photos"]`).click();
    await page.locator(`${tid('chat')}[data-room-id="${room.id}"] ${tid('history-start')}`).waitFor();
    return page;
  };
  const chips = (page: Page): Locator => page.locator(`${tid('attachment-tray')} ${tid('attachment-chip')}`);
  const latest = async (): Promise<Message> => {
    const page = await api.get<MessagePage>(`/api/rooms/${room.id}/messages?limit=1`, alice.accessToken);
    const message = page.body.messages.at(-1);
    if (!message) throw new Error('no message');
    return message;
  };
  const messageWith = (page: Page, text: string): Locator => page.locator(tid('message')).filter({ hasText: text });
  /** The image's natural width once it has loaded. */
  const loadedWidth = async (image: Locator): Promise<number> => {
    await image.page().waitForFunction((img) => img !== null && (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0, await image.elementHandle());
    return image.evaluate((img) => (img as HTMLImageElement).naturalWidth);
  };

  beforeAll(async () => {
    [servers, browser] = await Promise.all([startTestCluster(2, { ATTACHMENT_MAX_BYTES: String(MAX_BYTES) }), launchChromium('test/browser-attachments.e2e-spec.ts')]);
    api = new Api(servers[0]!.url);
    const register = async (username: string, displayName: string): Promise<AuthResult> => {
      const result = await api.post<AuthResult>('/api/auth/register', { username, password: PASSWORD, displayName });
      expect(result.status).toBe(201);
      return result.body;
    };
    [alice, bob] = [await register('alice', 'Alice Liddell'), await register('bob', 'Bob Builder')];
    room = await api.createRoom(alice.accessToken, 'photos');
    expect((await api.post(`/api/rooms/${room.id}/join`, {}, bob.accessToken)).status).toBe(200);
    [alicePage, bobPage] = [await openPage(servers[0]!, alice, 'Alice Liddell'), await openPage(servers[1]!, bob, 'Bob Builder')];
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all((servers ?? []).map((server) => server.close()));
  });

  it('uploads a picture and a text file with progress chips; Enter during the upload sends once they are done, with the caption', async () => {
    // Uploads are held at the network layer until released, so the running state is seen for sure.
    const held: Route[] = [];
    await alicePage.route('**/api/rooms/*/attachments', (route) => {
      held.push(route);
    });
    await alicePage.locator(tid('attach-input')).setInputFiles([
      { name: 'harbour.png', mimeType: 'image/png', buffer: await png(640, 400) },
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('Meet at the harbour at noon.\n') },
    ]);
    await chips(alicePage).nth(1).waitFor();
    expect(await chips(alicePage).evaluateAll((items) => items.map((item) => [(item as HTMLElement).dataset.name, (item as HTMLElement).dataset.state]))).toEqual([
      ['harbour.png', 'uploading'],
      ['notes.txt', 'uploading'],
    ]);
    expect(await chips(alicePage).locator(tid('attachment-progress')).count()).toBe(2);
    expect(await chips(alicePage).nth(1).textContent()).toContain('29 bytes');

    await alicePage.locator(tid('composer-input')).fill('The harbour, and the plan');
    await alicePage.locator(tid('composer-input')).press('Enter');
    await alicePage.locator(tid('attachment-notice')).filter({ hasText: 'Sending when the uploads finish' }).waitFor();
    await eventually(() => held.length === 2, 5000, 'both uploads at the network layer');
    expect(await alicePage.locator(tid('pending-message')).count()).toBe(0);
    for (const route of held) await route.continue();
    await alicePage.unroute('**/api/rooms/*/attachments');

    const mine = messageWith(alicePage, 'The harbour, and the plan');
    await mine.locator(tid('attachment-image')).waitFor();
    expect(await alicePage.locator(tid('attachment-tray')).isHidden()).toBe(true);
    expect(await alicePage.locator(tid('composer-input')).inputValue()).toBe('');
    const sent = await latest();
    expect(sent).toMatchObject({ type: 'file', content: 'The harbour, and the plan', attachments: [{ name: 'harbour.png', width: 640, height: 400 }, { name: 'notes.txt', contentType: 'text/plain' }] });
  });

  it('shows Bob, on the other instance, the thumbnail in a box of its shape and the file with a working download link', async () => {
    const message = messageWith(bobPage, 'The harbour, and the plan');
    const image = message.locator(tid('attachment-image'));
    await image.waitFor();
    const thumbnail = image.locator('img');
    expect(await thumbnail.getAttribute('alt')).toBe('harbour.png');
    expect(await loadedWidth(thumbnail)).toBe(320);
    // The box has the picture's aspect ratio before and after it loads: the list does not jump.
    const box = await image.boundingBox();
    expect(box && Math.abs(box.width / box.height - 640 / 400)).toBeLessThan(0.03);

    const file = message.locator(tid('attachment-file'));
    expect(await file.textContent()).toContain('notes.txt');
    expect(await file.textContent()).toContain('29 bytes');
    expect(await file.getAttribute('download')).toBe('notes.txt');
    await message.locator(`${tid('attachment-file')}[href]`).waitFor();
    expect(await file.getAttribute('href')).toMatch(/^\/api\/attachments\/[^/?]+\?/);
    const downloaded = await file.evaluate(async (link) => {
      const response = await fetch((link as HTMLAnchorElement).href);
      return { status: response.status, text: await response.text(), disposition: response.headers.get('content-disposition') };
    });
    expect(downloaded).toEqual({ status: 200, text: 'Meet at the harbour at noon.\n', disposition: expect.stringContaining('attachment') as unknown });
    expect(await bobPage.locator(`${tid('room-item')}[data-room-name="photos"] ${tid('conversation-preview')}`).textContent()).toBe('Alice Liddell: The harbour, and the plan');
  });

  it('opens the picture large in a lightbox with a download link', async () => {
    await messageWith(bobPage, 'The harbour, and the plan').locator(tid('attachment-image')).click();
    const lightbox = bobPage.locator(tid('lightbox'));
    await lightbox.waitFor();
    const full = lightbox.locator(tid('lightbox-image'));
    expect(await loadedWidth(full)).toBe(640);
    expect(await full.getAttribute('alt')).toBe('harbour.png');
    expect(await lightbox.locator(tid('lightbox-download')).getAttribute('href')).toMatch(/^\/api\/attachments\/[^/?]+\?/);
    expect(await lightbox.locator(tid('lightbox-download')).getAttribute('download')).toBe('harbour.png');
    await lightbox.locator(tid('dialog-close')).click();
    await lightbox.waitFor({ state: 'detached' });
  });

  it('shows a refused file as an error chip with the server’s reason, and does not send it', async () => {
    await alicePage.locator(tid('attach-input')).setInputFiles([{ name: 'huge.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(MAX_BYTES + 50_000, 7) }]);
    const failed = chips(alicePage).filter({ has: alicePage.locator('[role="alert"]') });
    await failed.waitFor();
    expect(await failed.getAttribute('data-state')).toBe('failed');
    expect(await failed.locator(tid('attachment-status')).textContent()).toBe(`The file is larger than the limit of ${MAX_BYTES} bytes`);
    await alicePage.locator(tid('composer-input')).fill('No big file after all');
    await alicePage.locator(tid('composer-input')).press('Enter');
    await messageWith(alicePage, 'No big file after all').waitFor();
    expect(await latest()).toMatchObject({ type: 'text', content: 'No big file after all' });
    expect((await latest()).attachments).toBeUndefined();
    expect(await alicePage.locator(tid('attachment-tray')).isHidden()).toBe(true);
  });

  it('puts the text and the files back when the send is refused', async () => {
    await alicePage.locator(tid('attach-input')).setInputFiles([{ name: 'agenda.txt', mimeType: 'text/plain', buffer: Buffer.from('1. Boats\n') }]);
    const chip = chips(alicePage).and(alicePage.locator('[data-state="done"]'));
    await chip.waitFor();
    // The upload is claimed by another message first: the web client's send of it is refused (not_found).
    const id = await chip.getAttribute('data-attachment-id');
    expect((await api.post(`/api/rooms/${room.id}/messages`, { content: 'Sent elsewhere', attachments: [id] }, alice.accessToken)).status).toBe(201);
    await alicePage.locator(tid('composer-input')).fill('The agenda');
    await alicePage.locator(tid('composer-input')).press('Enter');
    await alicePage.locator(tid('toast')).filter({ hasText: 'Your message was not sent' }).waitFor();
    expect(await alicePage.locator(tid('composer-input')).inputValue()).toBe('The agenda');
    expect(await chips(alicePage).evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.attachmentId))).toEqual([id]);
    await chip.locator(tid('attachment-remove')).click();
    await alicePage.locator(tid('composer-input')).fill('');
    expect(await alicePage.locator(tid('attachment-tray')).isHidden()).toBe(true);
  });

  it('takes at most 10 files per message and says so', async () => {
    const files = Array.from({ length: 11 }, (_, index) => ({ name: `part-${index + 1}.txt`, mimeType: 'text/plain', buffer: Buffer.from(`part ${index + 1}\n`) }));
    await alicePage.locator(tid('attach-input')).setInputFiles(files);
    expect(await alicePage.locator(tid('attachment-notice')).textContent()).toBe('A message takes at most 10 files: 1 file was not added.');
    expect(await chips(alicePage).count()).toBe(10);
    for (let left = 10; left > 0; left--) {
      await chips(alicePage).first().locator(tid('attachment-remove')).click();
      expect(await chips(alicePage).count()).toBe(left - 1);
    }
    expect(await alicePage.locator(tid('attachment-tray')).isHidden()).toBe(true);
  });

  it('adds a dropped file (a drop zone shows while dragging); a picture sent alone is "Photo" in the conversation list', async () => {
    const bytes = [...(await png(60, 90, 200))];
    await alicePage.locator(tid('chat')).evaluate((chat, data) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(data)], 'tall.png', { type: 'image/png' }));
      chat.dispatchEvent(new DragEvent('dragenter', { bubbles: true, cancelable: true, dataTransfer: transfer }));
    }, bytes);
    await alicePage.locator(tid('drop-zone')).waitFor();
    expect(await alicePage.locator(tid('drop-zone')).textContent()).toBe('Drop files to attach them');
    await alicePage.locator(tid('messages')).evaluate((target, data) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(data)], 'tall.png', { type: 'image/png' }));
      target.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: transfer }));
    }, bytes);
    expect(await alicePage.locator(tid('drop-zone')).isHidden()).toBe(true);
    await chips(alicePage).filter({ hasText: 'tall.png' }).and(alicePage.locator('[data-state="done"]')).waitFor();

    // No text: the picture alone.
    await alicePage.locator(tid('composer-input')).press('Enter');
    const sent = bobPage.locator(tid('message')).filter({ has: bobPage.locator(`${tid('attachment-thumbnail')}[alt="tall.png"]`) });
    await sent.waitFor();
    expect(await sent.locator(tid('message-content')).isHidden()).toBe(true);
    expect(await latest()).toMatchObject({ type: 'image', content: '', attachments: [{ name: 'tall.png', width: 60, height: 90 }] });
    const preview = bobPage.locator(`${tid('room-item')}[data-room-name="photos"] ${tid('conversation-preview')}`);
    await preview.filter({ hasText: 'Alice Liddell: Photo' }).waitFor();
    expect(await preview.locator('svg').count()).toBe(1);
    expect(await loadedWidth(sent.locator('img'))).toBe(60);
    await bobPage.locator(tid('messages')).evaluate((scroller) => scroller.scrollTo(0, scroller.scrollHeight));
    await screenshot(bobPage, 'attachments');
  });

  it('takes a pasted file into the tray', async () => {
    await alicePage.locator(tid('composer-input')).evaluate((composer) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['pasted words'], 'clip.txt', { type: 'text/plain' }));
      composer.dispatchEvent(new ClipboardEvent('paste', { bubbles: true, cancelable: true, clipboardData: transfer }));
    });
    const chip = chips(alicePage).filter({ hasText: 'clip.txt' }).and(alicePage.locator('[data-state="done"]'));
    await chip.waitFor();
    expect(await alicePage.locator(tid('composer-input')).inputValue()).toBe('');
    await chip.locator(tid('attachment-remove')).click();
    expect(await alicePage.locator(tid('attachment-tray')).isHidden()).toBe(true);
  });

  it('shows the pictures of a thread’s replies in the thread', async () => {
    const root = await latest();
    const picture = await uploaded(servers[0]!, alice.accessToken, room.id, await png(120, 80, 90), 'reply.png', 'image/png');
    expect((await api.post(`/api/rooms/${room.id}/messages`, { content: '', replyTo: root.id, attachments: [picture.id] }, alice.accessToken)).status).toBe(201);
    await bobPage.locator(`${tid('message')}[data-message-id="${root.id}"] ${tid('reply-count')}`).filter({ hasText: '1 reply' }).click();
    const thread = bobPage.locator(tid('thread-dialog'));
    expect(await thread.locator(`${tid('thread-root')} ${tid('attachment-thumbnail')}`).getAttribute('alt')).toBe('tall.png');
    const reply = thread.locator(`${tid('thread-reply')} ${tid('attachment-thumbnail')}`);
    await reply.waitFor();
    expect(await reply.getAttribute('alt')).toBe('reply.png');
    expect(await loadedWidth(reply)).toBe(120);
    await thread.locator(tid('dialog-close')).click();
    expect(problems).toEqual({ pageErrors: [], dialogs: [] });
  });
});
