import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const EXPIRY_BYTES = 6;
const NONCE_BYTES = 8;
const MAC_BYTES = 18;
const BODY = EXPIRY_BYTES + NONCE_BYTES;

/**
 * IMDSv2 session tokens, stateless: expiry (ms) + random nonce + an HMAC over both with a key
 * made at start-up; 32 bytes, 43 base64url characters like a random token. Nothing is stored,
 * so a flood of PUTs cannot evict anyone's token or grow memory; a restart invalidates every
 * token (SDKs ask for a new one on 401).
 */
export class ImdsTokens {
  private readonly key = randomBytes(32);

  constructor(private readonly now: () => number) {}

  issue(ttlSeconds: number): string {
    const body = Buffer.alloc(BODY);
    body.writeUIntBE(this.now() + ttlSeconds * 1000, 0, EXPIRY_BYTES);
    randomBytes(NONCE_BYTES).copy(body, EXPIRY_BYTES);
    return Buffer.concat([body, this.mac(body)]).toString('base64url');
  }

  valid(token: string | undefined): boolean {
    if (token === undefined || !/^[A-Za-z0-9_-]{43}$/.test(token)) return false;
    const raw = Buffer.from(token, 'base64url');
    if (raw.length !== BODY + MAC_BYTES) return false;
    const body = raw.subarray(0, BODY);
    if (!timingSafeEqual(raw.subarray(BODY), this.mac(body))) return false;
    return body.readUIntBE(0, EXPIRY_BYTES) > this.now();
  }

  private mac(body: Buffer): Buffer {
    return createHmac('sha256', this.key).update(body).digest().subarray(0, MAC_BYTES);
  }
}
