import { createHmac } from 'node:crypto';

/**
 * What a scoped token opens. Today a profile; a session policy will join it later, and the
 * canonical form below then grows a field (old tokens stay valid for scopes without one).
 */
export interface TokenScope {
  profile: string;
}

const PREFIX = 'cs1_';
const KEY_LABEL = 'credd scoped-token key v1';

function canonical(scope: TokenScope): string {
  return JSON.stringify(['profile', scope.profile]);
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
