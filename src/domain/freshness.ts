/**
 * When credentials are worth serving and when to renew them. Clients refresh on their
 * own schedule (botocore 15/10 min before expiry, JS v3 5 min, IMDS clients rewrite expiry
 * below ~20 min), so we never hand out credentials a client would already consider due,
 * and we renew well before that point so no request waits on STS.
 */
export type Freshness = 'fresh' | 'aging' | 'stale' | 'expired';

const MINUTE = 60_000;

/** Credentials with less than this left are not served at all. */
export const HARD_MARGIN_MS = MINUTE;

/** Below this remaining lifetime we prefer not to serve (if fresher can be had). */
export function minServeMs(lifetimeMs: number): number {
  return Math.min(20 * MINUTE, lifetimeMs / 3);
}

/** Below this remaining lifetime a background refresh starts. */
export function refreshAheadMs(lifetimeMs: number): number {
  return Math.min(30 * MINUTE, lifetimeMs / 2);
}

export function classify(expiresAt: number, issuedAt: number, now: number): Freshness {
  const lifetime = Math.max(0, expiresAt - issuedAt);
  const left = expiresAt - now;
  if (left <= HARD_MARGIN_MS) return 'expired';
  if (left < minServeMs(lifetime)) return 'stale';
  if (left < refreshAheadMs(lifetime)) return 'aging';
  return 'fresh';
}

/** When the background refresh for credentials issued at `issuedAt` should run. */
export function refreshDueAt(expiresAt: number, issuedAt: number): number {
  return expiresAt - refreshAheadMs(Math.max(0, expiresAt - issuedAt));
}

/** Exponential backoff with full jitter, for retrying a failed refresh. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(5 * MINUTE, 2_000 * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
