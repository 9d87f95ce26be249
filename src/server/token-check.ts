import { createHash, timingSafeEqual } from 'node:crypto';

const digests = new Map<string, Buffer>();

/** Constant-time comparison; hashing first makes the lengths equal and hides the token's length. */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = createHash('sha256').update(presented).digest();
  // The daemon's own token is hashed once, not on every request.
  let b = digests.get(expected);
  if (!b) {
    b = createHash('sha256').update(expected).digest();
    if (digests.size < 8) digests.set(expected, b);
  }
  return timingSafeEqual(a, b);
}
