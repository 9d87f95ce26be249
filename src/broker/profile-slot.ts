import type { TemporaryCredentials } from '../domain/credentials.js';
import type { CreddError } from '../domain/errors.js';
import type { TimerHandle } from '../domain/ports.js';

/** Everything the broker knows about one profile's credentials. */
export interface ProfileSlot {
  name: string;
  creds?: TemporaryCredentials;
  issuedAt: number;
  /** Region of the resolved profile, remembered for IMDS placement. */
  region?: string;
  /** The resolved profile the credentials were obtained for (JSON), to notice config edits. */
  definition?: string;
  /** The IAM user at the root of the profile's chain. */
  userName?: string;
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
