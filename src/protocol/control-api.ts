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
