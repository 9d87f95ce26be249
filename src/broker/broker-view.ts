import type { Freshness } from '../domain/freshness.js';
import type { WaitingFor } from '../domain/waiting-for.js';
import type { BrokerStats } from './broker-deps.js';

/** One profile as the broker sees it, copied out: times are epoch milliseconds. */
export interface ProfileView {
  readonly name: string;
  readonly active: boolean;
  /** The IAM user or SSO sign-in at the root of the profile's chain, once it was resolved. */
  readonly root?: string;
  /** An STS call for it is under way. */
  readonly refreshing: boolean;
  readonly lastRequestedAt: number;
  /** Absent when nothing is cached. */
  readonly freshness?: Freshness;
  readonly expiresAt?: number;
  readonly assumedRoleArn?: string;
  /** Failed fetches in a row (0 after a success). */
  readonly failures: number;
  /** When a failed fetch is retried. */
  readonly nextAttemptAt?: number;
  readonly lastError?: { readonly code: string; readonly message: string; readonly at: number };
  /** What the user must do before it can be served again; absent when nothing. */
  readonly waitingFor?: WaitingFor;
}

/** MFA state of one IAM user: a session, a need for a code, or both (a session about to end). */
export interface MfaView {
  readonly user: string;
  readonly serial: string;
  readonly expiresAt?: number;
  readonly needed?: { readonly since: number; readonly forProfile: string };
}

/** Everything others may know of the broker, as plain data: nothing in it is live or mutable. */
export interface BrokerView {
  readonly now: number;
  readonly active?: string;
  readonly profiles: readonly ProfileView[];
  readonly mfa: readonly MfaView[];
  readonly stats: Readonly<BrokerStats>;
}
