import type { TemporaryCredentials } from '../domain/credentials.js';
import type { CreddError } from '../domain/errors.js';
import { classify } from '../domain/freshness.js';
import type { TimerHandle } from '../domain/ports.js';
import { waitingForOf } from '../domain/waiting-for.js';
import type { ProfileView } from './broker-view.js';

/** Everything the broker knows about one profile's credentials. */
export interface ProfileSlot {
  name: string;
  creds?: TemporaryCredentials;
  issuedAt: number;
  /** Region of the resolved profile, remembered for IMDS placement. */
  region?: string;
  /** The resolved profile the credentials were obtained for (JSON), to notice config edits. */
  definition?: string;
  /** The config generation `definition` was last found current in (see DefinitionCheck). */
  generation?: number;
  /** The IAM user or SSO sign-in at the root of the profile's chain (whose MFA session or token it needs). */
  root?: string;
  inflight?: Promise<TemporaryCredentials>;
  lastError?: CreddError;
  lastErrorAt?: number;
  /** Consecutive failed refreshes, for backoff. */
  failures: number;
  timer?: TimerHandle;
  nextAttemptAt?: number;
  lastRequestedAt: number;
}

export function newSlot(name: string): ProfileSlot {
  return { name, issuedAt: 0, failures: 0, lastRequestedAt: 0 };
}

/**
 * A slot copied out as plain data. An MFA need ends when a code arrives, before the profile
 * is fetched again, so an MfaRequired error counts only while its user still waits for one.
 */
export function profileView(slot: ProfileSlot, now: number, active: boolean, waitsForCode: (user: string) => boolean): ProfileView {
  const creds = slot.creds;
  let waitingFor = waitingForOf(slot.lastError);
  if (waitingFor === 'mfa' && (slot.root === undefined || !waitsForCode(slot.root))) waitingFor = undefined;
  return {
    name: slot.name,
    active,
    ...(slot.root !== undefined && { root: slot.root }),
    refreshing: slot.inflight !== undefined,
    lastRequestedAt: slot.lastRequestedAt,
    failures: slot.failures,
    ...(creds && { freshness: classify(creds.expiration.getTime(), slot.issuedAt, now), expiresAt: creds.expiration.getTime() }),
    ...(creds?.assumedRoleArn !== undefined && { assumedRoleArn: creds.assumedRoleArn }),
    ...(slot.nextAttemptAt !== undefined && { nextAttemptAt: slot.nextAttemptAt }),
    ...(slot.lastError && { lastError: { code: slot.lastError.code, message: slot.lastError.message, at: slot.lastErrorAt ?? 0 } }),
    ...(waitingFor !== undefined && { waitingFor }),
  };
}
