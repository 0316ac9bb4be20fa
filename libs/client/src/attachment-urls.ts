import type { Attachment } from '@parley/contract';

/** Most ids one `POST /api/attachments/urls` takes. */
const MAX_IDS_PER_REQUEST = 100;
/** A URL is asked for again this long before it expires (a slow image load must not outlive it). */
const RENEW_BEFORE_MS = 60_000;
/** When a URL names no expiry (it always does today): keep it this long. */
const FALLBACK_LIFETIME_MS = 5 * 60_000;

/** When a signed URL (`…?expires=<Unix seconds>&…`) expires, in epoch ms. */
export function signedUrlExpiry(url: string, now: number): number {
  const expires = Number(new URL(url, 'http://parley.invalid').searchParams.get('expires'));
  return Number.isFinite(expires) && expires > 0 ? expires * 1000 : now + FALLBACK_LIFETIME_MS;
}

/**
 * Signed URLs of the attachments messages carry (contract §11), for this user: what a view asks for in one
 * turn of the event loop goes out as one request (a history page's images: one round trip), and each answer is
 * kept until shortly before its URLs expire.
 */
export class AttachmentUrls {
  private readonly cache = new Map<string, { attachment: Attachment; until: number }>();
  private batch: { ids: Set<string>; done: Promise<void> } | null = null;

  constructor(
    private readonly fetchUrls: (ids: string[]) => Promise<Attachment[]>,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** The attachment with URLs usable now (`<img src>`, links), or null when the user may not download it. */
  async get(id: string): Promise<Attachment | null> {
    const fresh = this.fresh(id);
    if (fresh) return fresh;
    await this.ask(id);
    return this.fresh(id);
  }

  private fresh(id: string): Attachment | null {
    const cached = this.cache.get(id);
    return cached && cached.until > this.now() ? cached.attachment : null;
  }

  private ask(id: string): Promise<void> {
    if (!this.batch) {
      const ids = new Set<string>();
      const done = Promise.resolve().then(async () => {
        this.batch = null;
        const all = [...ids];
        for (let start = 0; start < all.length; start += MAX_IDS_PER_REQUEST) {
          for (const attachment of await this.fetchUrls(all.slice(start, start + MAX_IDS_PER_REQUEST))) {
            this.cache.set(attachment.id, { attachment, until: signedUrlExpiry(attachment.url, this.now()) - RENEW_BEFORE_MS });
          }
        }
      });
      this.batch = { ids, done };
    }
    this.batch.ids.add(id);
    return this.batch.done;
  }
}
