import type { LongTermKey, SigningCredentials, TemporaryCredentials } from './credentials.js';
import type { CreddError } from './errors.js';
import type { AmbientProfile, LoginProfile, ProcessProfile, SsoProfile } from './profile.js';
import type { SessionTag } from './session-scope.js';

/**
 * Where long-term keys (and, later, MFA sessions) live. Items are addressed by a
 * string key such as `key:base` or `session:base`; values are opaque strings (JSON).
 * Implementations throw KeychainError with a user-facing message when the store
 * cannot be reached.
 */
export interface SecretStore {
  /** Human name for messages: "macOS Keychain", "Secret Service", "encrypted file". */
  readonly description: string;
  get(item: string): Promise<string | undefined>;
  set(item: string, value: string): Promise<void>;
  /** Returns true when something was deleted. */
  delete(item: string): Promise<boolean>;
  /** Item names (not values). */
  list(): Promise<string[]>;
}

export interface AssumeRoleInput {
  credentials: SigningCredentials;
  region: string;
  endpoint?: string;
  roleArn: string;
  roleSessionName: string;
  durationSeconds?: number;
  externalId?: string;
  /** Direct AssumeRole with MFA (no MFA session). */
  serialNumber?: string;
  tokenCode?: string;
  /** Session policies and attribution (see session-scope.ts); absent for the whole role. */
  policy?: string;
  policyArns?: string[];
  sourceIdentity?: string;
  tags?: SessionTag[];
  transitiveTagKeys?: string[];
}

export interface GetSessionTokenInput {
  key: LongTermKey;
  region: string;
  endpoint?: string;
  durationSeconds?: number;
  serialNumber?: string;
  tokenCode?: string;
}

export interface AssumeRoleWithWebIdentityInput {
  region: string;
  endpoint?: string;
  roleArn: string;
  roleSessionName: string;
  /** The OIDC token itself (a secret: never logged). */
  webIdentityToken: string;
  durationSeconds?: number;
}

export interface StsGateway {
  assumeRole(input: AssumeRoleInput): Promise<TemporaryCredentials>;
  getSessionToken(input: GetSessionTokenInput): Promise<TemporaryCredentials>;
  /** Unsigned: the token is the proof. */
  assumeRoleWithWebIdentity(input: AssumeRoleWithWebIdentityInput): Promise<TemporaryCredentials>;
}

/** Credentials from outside STS (a credential_process, the daemon's surroundings): long-term or temporary. */
export interface SourceCredentials extends SigningCredentials {
  expiration?: Date;
  accountId?: string;
}

/** Runs a profile's credential_process; output with an Expiration is reused until near it. */
export interface ProcessCredentialSource {
  credentials(profile: ProcessProfile): Promise<SourceCredentials>;
  /** `credd clear`: drop kept output (of one profile, or all), so the next use runs the command. */
  forget(profile?: string): void;
}

/** A role's credential_source (Environment, Ec2InstanceMetadata, EcsContainer), from the daemon's point of view. */
export interface AmbientCredentialSource {
  credentials(profile: AmbientProfile): Promise<SourceCredentials>;
}

export type TimerHandle = { readonly __timer: unique symbol } | object;

/** Time and timers, injected so tests can move time forward. */
export interface Clock {
  now(): number;
  /** Time that stops while the machine sleeps (what timers run on); lets a wall-clock jump be seen. */
  monotonic?(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export { type LongTermKey, type TemporaryCredentials };

export type ServeResult =
  | { ok: true; creds: TemporaryCredentials; profile: string; region?: string }
  | { ok: false; error: CreddError };

/** What the credential endpoints need: credentials for the active or a named profile, fast. */
export interface CredentialProvider {
  serve(profile?: string): Promise<ServeResult>;
  /** The active profile's name, if any (IMDS lists it as the role name). */
  readonly active: string | undefined;
  /** What is known of a profile without calling STS: its region and account (IMDS placement). */
  describe(profile: string): { region?: string; accountId?: string };
}

/** Runs a user-configured command (mfa_process) and returns its stdout. */
export type CommandRunner = (command: string, timeoutMs: number) => Promise<string>;

export interface AccessKeyInfo {
  accessKeyId: string;
  status: string;
}

/** The few IAM calls key rotation needs. IAM is global: the region only picks the signing scope. */
export interface IamGateway {
  listAccessKeys(credentials: SigningCredentials): Promise<AccessKeyInfo[]>;
  createAccessKey(credentials: SigningCredentials): Promise<LongTermKey>;
  deleteAccessKey(credentials: SigningCredentials, accessKeyId: string): Promise<void>;
}

/** Proves a key works: STS GetCallerIdentity. */
export type IdentityCheck = (key: SigningCredentials) => Promise<{ arn: string; account: string }>;

/**
 * IAM Identity Center role credentials for an SSO profile: reads (and refreshes) the
 * sign-in token from the AWS CLI's cache; throws ActionRequiredError SsoLoginRequired
 * when only a new sign-in will do.
 */
export interface SsoCredentialSource {
  roleCredentials(profile: SsoProfile): Promise<TemporaryCredentials>;
}

/**
 * `aws login` sessions: credentials from the AWS CLI's login cache, refreshed through the
 * sign-in service; throws ActionRequiredError LoginRequired when only a new `aws login` will do.
 */
export interface LoginCredentialSource {
  credentials(profile: LoginProfile): Promise<TemporaryCredentials>;
}
