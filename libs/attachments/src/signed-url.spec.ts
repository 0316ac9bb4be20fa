import { UrlSigner } from './signed-url';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const ID = '7d1f5c2e-3b4a-4c6d-8e9f-0a1b2c3d4e5f';
const USER = '0b5e8a52-6f43-4f0e-a3f7-2b1a86c9a0de';

function paramsOf(url: string): { user: string; expires: string; signature: string } {
  const query = new URL(url, 'http://x').searchParams;
  return { user: query.get('user') ?? '', expires: query.get('expires') ?? '', signature: query.get('signature') ?? '' };
}

describe('UrlSigner', () => {
  let now = 1_767_225_600_000;
  const signer = new UrlSigner(SECRET, 600, () => now);

  it('makes a URL of the file or the thumbnail that verifies as its user until it expires', () => {
    const url = signer.url(ID, 'file', USER);
    expect(url).toMatch(new RegExp(`^/api/attachments/${ID}\\?user=${USER}&expires=1767226200&signature=[A-Za-z0-9_-]{43}$`));
    expect(signer.url(ID, 'thumbnail', USER)).toMatch(new RegExp(`^/api/attachments/${ID}/thumbnail\\?`));
    expect(signer.verify(ID, 'file', paramsOf(url))).toBe(USER);
    now += 599_000;
    expect(signer.verify(ID, 'file', paramsOf(url))).toBe(USER);
    now += 1000;
    expect(signer.verify(ID, 'file', paramsOf(url))).toBeNull();
  });

  it('refuses a URL altered in any part, or used for another attachment or variant', () => {
    const params = paramsOf(new UrlSigner(SECRET, 600).url(ID, 'file', USER));
    const live = new UrlSigner(SECRET, 600);
    expect(live.verify(ID, 'file', params)).toBe(USER);
    expect(live.verify(ID, 'thumbnail', params)).toBeNull();
    expect(live.verify(USER, 'file', params)).toBeNull();
    expect(live.verify(ID, 'file', { ...params, user: ID })).toBeNull();
    expect(live.verify(ID, 'file', { ...params, expires: String(Number(params.expires) + 1) })).toBeNull();
    expect(live.verify(ID, 'file', { ...params, signature: params.signature.slice(1) })).toBeNull();
    expect(live.verify(ID, 'file', { ...params, expires: 'soon' })).toBeNull();
    expect(new UrlSigner(`${SECRET}!`, 600).verify(ID, 'file', params)).toBeNull();
  });
});
