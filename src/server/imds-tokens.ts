import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * IMDSv2 session tokens: `EXPIRY.MAC`, an HMAC over the expiry with a key made at start-up.
 * Nothing is stored, so a flood of PUTs cannot evict anyone's token or grow memory; a
 * restart invalidates every token (SDKs ask for a new one on 401).
 */
export class ImdsTokens {
  private readonly key = randomBytes(32);

  constructor(private readonly now: () => number) {}

  issue(ttlSeconds: number): string {
    const expiry = (this.now() + ttlSeconds * 1000).toString(36);
    return `${expiry}.${this.mac(expiry)}`;
  }

  valid(token: string | undefined): boolean {
    if (token === undefined || token.length > 64) return false;
    const dot = token.indexOf('.');
    if (dot <= 0) return false;
    const expiry = token.slice(0, dot);
    if (!/^[0-9a-z]{1,12}$/.test(expiry)) return false;
    const given = Buffer.from(token.slice(dot + 1));
    const wanted = Buffer.from(this.mac(expiry));
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return false;
    return parseInt(expiry, 36) > this.now();
  }

  private mac(expiry: string): string {
    return createHmac('sha256', this.key).update(expiry).digest('base64url');
  }
}
