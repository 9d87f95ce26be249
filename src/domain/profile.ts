import type { SessionScope } from './session-scope.js';

/**
 * A profile after ~/.aws/config has been read and its source_profile chain resolved.
 * `keychain`: an IAM user whose long-term key is in credd's secret store.
 * `role`: AssumeRole on top of another profile's credentials.
 */
export type Profile = KeychainProfile | RoleProfile | SsoProfile;

/** The start of a chain: the profile whose own credentials sign the first call. */
export type RootProfile = KeychainProfile | SsoProfile;

export interface StsSettings {
  region: string;
  /** Explicit STS endpoint (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, or endpoint_url). */
  endpoint?: string;
}

export interface KeychainProfile extends StsSettings {
  kind: 'keychain';
  name: string;
  /** A command whose stdout is a current MFA code (e.g. ykman), so the daemon renews alone. */
  mfaProcess?: string;
  /** False when the name appears only in credd's store, not in the AWS config file. */
  inConfig: boolean;
  mfaSerial?: string;
  /** Lifetime asked of GetSessionToken, seconds. */
  sessionDurationSeconds?: number;
}

/** IAM Identity Center: role credentials from GetRoleCredentials with a sign-in token. */
export interface SsoProfile extends StsSettings {
  kind: 'sso';
  name: string;
  /** `sso_session` name; absent for the legacy form (sso_start_url on the profile). */
  ssoSession?: string;
  startUrl: string;
  ssoRegion: string;
  registrationScopes: string[];
  accountId: string;
  roleName: string;
  mfaSerial?: undefined;
  mfaProcess?: undefined;
}

export interface RoleProfile extends StsSettings {
  kind: 'role';
  name: string;
  roleArn: string;
  roleSessionName?: string;
  externalId?: string;
  durationSeconds?: number;
  mfaSerial?: string;
  mfaProcess?: string;
  source: Profile;
  /** Session policies and attribution sent on this profile's AssumeRole (never on the chain below it). */
  scope?: SessionScope;
}

/** The IAM user (or SSO sign-in) at the root of a chain: whose credentials sign the first call. */
export function rootOf(profile: Profile): RootProfile {
  let p: Profile = profile;
  while (p.kind === 'role') p = p.source;
  return p;
}

/** The IAM user at the root, or undefined for an SSO chain. */
export function userOf(profile: Profile): KeychainProfile | undefined {
  const root = rootOf(profile);
  return root.kind === 'keychain' ? root : undefined;
}

/** The MFA device that guards this chain, from the role or from its source user. */
export function mfaSerialOf(profile: Profile): string | undefined {
  if (profile.mfaSerial) return profile.mfaSerial;
  if (profile.kind === 'role') return mfaSerialOf(profile.source);
  return undefined;
}

export function mfaProcessOf(profile: Profile): string | undefined {
  if (profile.mfaProcess) return profile.mfaProcess;
  if (profile.kind === 'role') return mfaProcessOf(profile.source);
  return undefined;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;

export function accountOfRoleArn(arn: string): string | undefined {
  return ROLE_ARN.exec(arn)?.[1];
}

export function isRoleArn(arn: string): boolean {
  return ROLE_ARN.test(arn);
}
