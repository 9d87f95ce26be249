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

/** `credd exec` with a session scope asks for a lease on a down-scoped slot (POST /v1/scope). */
export interface ScopeLeaseRequest {
  profile: string;
  policyArns?: string[];
  /** Packed inline policy JSON. */
  policy?: string;
  sessionNameSuffix?: string;
  program?: string;
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
