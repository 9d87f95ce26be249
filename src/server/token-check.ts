import { createHash, timingSafeEqual } from 'node:crypto';
import { looksScoped, scopedToken, type TokenScope } from '../protocol/scoped-token.js';

const digests = new Map<string, Buffer>();

function digestOf(value: string): Buffer {
  let d = digests.get(value);
  if (!d) {
    d = createHash('sha256').update(value).digest();
    // The daemon's token and the scoped tokens of a few profiles are hashed once, not per request.
    if (digests.size >= 256) digests.clear();
    digests.set(value, d);
  }
  return d;
}

/** Constant-time comparison; hashing first makes the lengths equal and hides the token's length. */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  return timingSafeEqual(createHash('sha256').update(presented).digest(), digestOf(expected));
}

export const TOKEN_SCOPE_MESSAGE =
  'This token is scoped to one profile (from `credd exec PROFILE` or `credd env PROFILE`) and does not open this URL.';

export const LEASE_SCOPE_MESSAGE =
  'This token is scoped to one down-scoped `credd exec` session and opens only that exec\'s URL.';

/**
 * The daemon's token opens every URL (the global one follows `credd switch`); a scoped token
 * opens only its own profile's URL. 'scope' means "a scoped token, used on another URL".
 */
export function tokenOpens(presented: string, daemonToken: string, profile: string | undefined, lease?: TokenScope['lease']): 'ok' | 'scope' | 'invalid' {
  if (tokenMatches(presented, daemonToken)) return 'ok';
  if (!looksScoped(presented)) return 'invalid';
  if (profile !== undefined && tokenMatches(presented, scopedToken(daemonToken, { profile, ...(lease !== undefined && { lease }) }))) return 'ok';
  return 'scope';
}
