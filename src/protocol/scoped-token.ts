import { createHmac } from 'node:crypto';

/**
 * What a scoped token opens: a profile, or (from `credd exec` with a session policy) one
 * down-scoped slot of it for the life of one exec, named by the scope's id and the lease.
 */
export interface TokenScope {
  profile: string;
  /** The session scope's id and the exec's lease; a lease ends when its child exits. */
  lease?: { scope: string; id: string };
}

const PREFIX = 'cs1_';
const KEY_LABEL = 'credd scoped-token key v1';

function canonical(scope: TokenScope): string {
  // Tokens for a plain profile keep the form they had before leases existed.
  if (scope.lease === undefined) return JSON.stringify(['profile', scope.profile]);
  return JSON.stringify(['profile', scope.profile, 'scope', scope.lease.scope, 'lease', scope.lease.id]);
}

/**
 * The token for one scope, derived from the daemon's token: HMAC(HMAC(token, label), scope).
 * Stateless (the daemon recomputes it, nothing is stored), survives restarts with the token,
 * changes when the token is rotated, and reveals nothing about the token or other scopes.
 */
export function scopedToken(daemonToken: string, scope: TokenScope): string {
  const key = createHmac('sha256', daemonToken).update(KEY_LABEL).digest();
  return PREFIX + createHmac('sha256', key).update(canonical(scope)).digest('base64url');
}

export function looksScoped(token: string): boolean {
  return token.startsWith(PREFIX);
}
