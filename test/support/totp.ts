// RFC 6238 TOTP (HMAC-SHA1, 6 digits, 30 s step) and RFC 4648 base32, with node:crypto only.
import { createHmac, randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export const TOTP_STEP_SECONDS = 30;

export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** Case-insensitive; ignores spaces, dashes and '=' padding. Throws on any other character. */
export function base32Decode(text: string): Buffer {
  const clean = text.replace(/[\s=-]/g, '').toUpperCase();
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const index = ALPHABET.indexOf(ch);
    if (index < 0) throw new Error('invalid base32 character');
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
    value &= (1 << bits) - 1;
  }
  return Buffer.from(out);
}

/** A fresh 160-bit secret, base32 (32 characters), as IAM virtual MFA devices use. */
export function newTotpSecret(): string {
  return base32Encode(randomBytes(20));
}

export function totpCounter(atMs: number): number {
  return Math.floor(atMs / 1000 / TOTP_STEP_SECONDS);
}

/** RFC 4226 HOTP value for one counter, truncated to `digits` decimal digits. */
export function hotp(key: Uint8Array, counter: number, digits = 6): string {
  if (!Number.isSafeInteger(counter) || counter < 0) throw new RangeError('HOTP counter must be a non-negative integer');
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(message).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

export function totpAt(secretBase32: string, atMs: number): string {
  return hotp(base32Decode(secretBase32), totpCounter(atMs));
}

/**
 * The counter (time step) at which `code` is valid, looking `window` steps either side of `atMs`,
 * skipping counters for which `isUsed` says the code was already spent; undefined when none fits.
 */
export function matchTotp(secretBase32: string, code: string, atMs: number, window = 1, isUsed: (counter: number) => boolean = () => false): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const key = base32Decode(secretBase32);
  const centre = totpCounter(atMs);
  const deltas = [0];
  for (let d = 1; d <= window; d++) deltas.push(-d, d);
  for (const delta of deltas) {
    const counter = centre + delta;
    if (counter < 0 || isUsed(counter)) continue;
    if (hotp(key, counter) === code) return counter;
  }
  return undefined;
}
