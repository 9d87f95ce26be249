/** JSON shapes of the control API (unix socket), shared by the daemon and the CLI. */

export interface ProfileStatus {
  name: string;
  active: boolean;
  /** ISO time; absent when nothing is cached. */
  expiration?: string;
  freshness?: 'fresh' | 'aging' | 'stale' | 'expired';
  assumedRoleArn?: string;
  refreshing: boolean;
  nextRefreshAt?: string;
  lastError?: { code: string; message: string; at: string };
  /** A down-scoped `credd exec` slot: its profile, scope label and how many execs hold it. */
  scoped?: { profile: string; scope?: string; execs: number };
}

export interface DaemonStatus {
  running: true;
  pid: number;
  version: string;
  port: number;
  startedAt: string;
  activeProfile: string | null;
  store: string;
  /** Locked or waiting for the user (keychain dialog denied, file store without passphrase). */
  storeState?: StoreStatus;
  configFile: string;
  profiles: ProfileStatus[];
  mfa: MfaStatus[];
  stats: { requests: number; servedFromCache: number; waitedOnSts: number; stsFetches: number; failedFetches: number };
}

export interface SwitchResult {
  profile: string;
  expiration: string;
  assumedRoleArn?: string;
  /** When the MFA session behind these credentials ends, if there is one. */
  mfaExpiration?: string;
  /**
   * The region programs using the profile get (its own, else the nearest up its source_profile
   * chain, from the daemon's copy of the config), null when it has none. Absent from a daemon
   * older than this field: the CLI then reads the config itself.
   */
  region?: string | null;
}

export interface MfaLoginResult {
  sourceProfile: string;
  serial: string;
  expiration: string;
}

/** MFA state per IAM-user profile: a valid session, or a need for a code. */
export interface MfaStatus {
  profile: string;
  serial: string;
  expiration?: string;
  neededSince?: string;
  neededFor?: string;
}

export interface ControlError {
  code: string;
  message: string;
  details?: Record<string, string>;
}

/** Full credentials, over the control socket only (0600): for `credd export` and `credd console`. */
export interface ExportedCredentials {
  profile: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: string;
  region?: string;
  assumedRoleArn?: string;
}

/** The secret store as the daemon sees it; `waitingFor` says what only the user can end. */
export interface StoreStatus {
  description: string;
  /** Whether `credd unlock` must send a passphrase (the encrypted file store). */
  needsPassphrase: boolean;
  locked: boolean;
  waitingFor?: 'keychain' | 'unlock';
  message?: string;
  since?: string;
}

/** Item names and MFA session ends, without reading any secret: for `credd list` and `doctor`. */
export interface SecretsView {
  store: StoreStatus;
  /** Profiles with a long-term key stored. */
  keys: string[];
  /** Stored MFA sessions; `expiration` when the daemon holds the session in memory. */
  sessions: Array<{ profile: string; expiration?: string }>;
}

export interface AddKeyRequest {
  profile: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Replace a different key already stored for the profile. */
  replace: boolean;
}

export interface AddKeyResult {
  profile: string;
  /** `unchanged`: the same key was already stored. */
  outcome: 'added' | 'replaced' | 'unchanged';
  store: string;
}

export interface RotateResultView {
  /** The IAM-user profile whose key was rotated. */
  user: string;
  oldKeyId: string;
  newKeyId: string;
  steps: string[];
}

/** `credd exec` with a session scope asks for a lease on a down-scoped slot (POST /v1/scope). */
export interface ScopeLeaseRequest {
  profile: string;
  policyArns?: string[];
  /** Packed inline policy JSON. */
  policy?: string;
  sessionNameSuffix?: string;
  program?: string;
  /** `credd exec P --as NAME`: the profile whose scope keys narrow P's role. */
  as?: string;
  /** The `credd exec` process: when it is gone, the lease ends. */
  pid: number;
}

/** The child's URL and token; both open only this lease's slot, until the lease ends (POST /v1/scope/release). */
export interface ScopeLease {
  profile: string;
  lease: string;
  url: string;
  token: string;
  expiration: string;
  /** Policy ARNs / "inline policy"; absent when only the session name is labelled. */
  scope?: string;
  assumedRoleArn?: string;
}
