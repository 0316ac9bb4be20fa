import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a signed URL opens: the file itself or its thumbnail. */
export type AttachmentVariant = 'file' | 'thumbnail';

export interface SignedUrlParams {
  user: string;
  expires: string;
  signature: string;
}

/**
 * Short-lived download URLs, so that `<img src>` and plain links work without a Bearer header:
 * `?user=&expires=&signature=`, an HMAC-SHA256 over the attachment, the variant, the user it was made for and
 * the expiry (Unix seconds), with a key derived from the JWT secret (never the secret itself). The user is
 * part of it because access is checked again for that user on every download: a URL opens a file only while
 * its user can still see the room.
 */
export class UrlSigner {
  private readonly key: Buffer;

  constructor(
    jwtSecret: string,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    this.key = createHmac('sha256', jwtSecret).update('parley attachment URLs v1').digest();
  }

  /** `/api/attachments/<id>` (or `/thumbnail`) with the signature query, valid for ttlSeconds from now. */
  url(attachmentId: string, variant: AttachmentVariant, userId: string): string {
    const expires = String(Math.floor(this.now() / 1000) + this.ttlSeconds);
    const query = new URLSearchParams({ user: userId, expires, signature: this.sign(attachmentId, variant, userId, expires) });
    return `/api/attachments/${attachmentId}${variant === 'thumbnail' ? '/thumbnail' : ''}?${query.toString()}`;
  }

  /** The user a signed URL was made for, or null when it was altered, made for something else or expired. */
  verify(attachmentId: string, variant: AttachmentVariant, params: SignedUrlParams): string | null {
    if (!/^\d{1,12}$/.test(params.expires) || Number(params.expires) * 1000 <= this.now()) return null;
    const expected = Buffer.from(this.sign(attachmentId, variant, params.user, params.expires));
    const given = Buffer.from(params.signature);
    return given.length === expected.length && timingSafeEqual(given, expected) ? params.user : null;
  }

  private sign(attachmentId: string, variant: AttachmentVariant, userId: string, expires: string): string {
    return createHmac('sha256', this.key).update(`${attachmentId}\n${variant}\n${userId}\n${expires}`).digest('base64url');
  }
}
