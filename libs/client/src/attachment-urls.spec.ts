import type { Attachment } from '@parley/contract';
import { AttachmentUrls, signedUrlExpiry } from './attachment-urls';

const signed = (id: string, expiresAtMs: number): Attachment => ({
  id,
  name: `${id}.png`,
  size: 1,
  contentType: 'image/png',
  url: `/api/attachments/${id}?user=u&expires=${expiresAtMs / 1000}&signature=s`,
});

describe('AttachmentUrls', () => {
  it('asks for what is wanted in one turn in one request, and leaves out what the server left out', async () => {
    const requests: string[][] = [];
    const urls = new AttachmentUrls((ids) => {
      requests.push(ids);
      return Promise.resolve(ids.filter((id) => id !== 'hidden').map((id) => signed(id, 600_000)));
    }, () => 0);
    const [a, b, hidden] = await Promise.all([urls.get('a'), urls.get('b'), urls.get('hidden')]);
    expect(requests).toEqual([['a', 'b', 'hidden']]);
    expect([a?.id, b?.id, hidden]).toEqual(['a', 'b', null]);
  });

  it('keeps an answer until a minute before its URLs expire, then asks again', async () => {
    let now = 0;
    let calls = 0;
    const urls = new AttachmentUrls((ids) => {
      calls++;
      return Promise.resolve(ids.map((id) => signed(id, 600_000)));
    }, () => now);
    await urls.get('a');
    now = 539_999;
    await urls.get('a');
    expect(calls).toBe(1);
    now = 540_000;
    await urls.get('a');
    expect(calls).toBe(2);
  });

  it('splits more than 100 ids into requests of 100', async () => {
    const sizes: number[] = [];
    const urls = new AttachmentUrls((ids) => {
      sizes.push(ids.length);
      return Promise.resolve([]);
    }, () => 0);
    await Promise.all(Array.from({ length: 150 }, (_, i) => urls.get(`id${i}`)));
    expect(sizes).toEqual([100, 50]);
  });

  it('reads the expiry from the URL, in ms', () => {
    expect(signedUrlExpiry('/api/attachments/x?user=u&expires=1700000000&signature=s', 0)).toBe(1_700_000_000_000);
    expect(signedUrlExpiry('/api/attachments/x', 1000)).toBe(1000 + 5 * 60_000);
  });
});
