import type { AmbientCredentialSource, Clock, CommandRunner, LoginCredentialSource, ProcessCredentialSource, SecretStore, SsoCredentialSource, StsGateway } from '../domain/ports.js';
import type { Profile } from '../domain/profile.js';
import type { Logger } from '../platform/logger.js';

export interface BrokerDeps {
  loadProfile(name: string): Promise<Profile>;
  /**
   * Bumps whenever profile definitions may have changed; synchronous while nothing needs
   * reading. `fresh`: look at the files now (a user's command, not an SDK request). Without
   * it, the profile is loaded and compared before every cached answer.
   */
  configGeneration?(fresh?: boolean): number | Promise<number>;
  store: SecretStore;
  sts: StsGateway;
  clock: Clock;
  logger: Logger;
  roleSessionName: string;
  /** IAM Identity Center role credentials; without it, SSO profiles are refused. */
  sso?: SsoCredentialSource;
  /** credential_process profiles (served, or as a role's source); without it they are refused. */
  process?: ProcessCredentialSource;
  /** credential_source of role profiles; without it they are refused. */
  ambient?: AmbientCredentialSource;
  /** `aws login` sessions (login_session); without it they are refused. */
  login?: LoginCredentialSource;
  /** Reads web_identity_token_file at every refresh; without it web identity profiles are refused. */
  readTextFile?(path: string): Promise<string>;
  /** Runs mfa_process commands; without it, mfa_process is ignored. */
  runCommand?: CommandRunner;
  /** How long a cold request may wait for STS before a fast 4xx (clients give up at 1 s). */
  coldWaitMs?: number;
  /** A non-active profile keeps being refreshed this long after it was last requested. */
  keepWarmMs?: number;
  random?: () => number;
  onActiveChange?(profile: string | undefined): void;
  /** A profile began or stopped waiting for the user (MFA code, SSO sign-in): the notice should follow at once. */
  onNoticeChange?(): void;
}

export interface BrokerStats {
  requests: number;
  servedFromCache: number;
  waitedOnSts: number;
  stsFetches: number;
  failedFetches: number;
}
