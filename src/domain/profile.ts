import type { SessionScope } from './session-scope.js';

/**
 * A profile after ~/.aws/config has been read and its source_profile chain resolved.
 * `keychain`: an IAM user whose long-term key is in credd's secret store.
 * `role`: AssumeRole on top of another profile's credentials.
 * `web-identity`, `process`, `ambient`: see their interfaces.
 */
export type Profile = KeychainProfile | RoleProfile | SsoProfile | WebIdentityProfile | ProcessProfile | AmbientProfile | LoginProfile;

/** The start of a chain: the profile whose own credentials sign the first call. */
export type RootProfile = KeychainProfile | SsoProfile | WebIdentityProfile | ProcessProfile | AmbientProfile | LoginProfile;

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
  /** A plaintext file (~/.aws/credentials) that holds this profile's key, which credd never reads. */
  plaintextKeyIn?: string;
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

/**
 * `role_arn` + `web_identity_token_file`: AssumeRoleWithWebIdentity (unsigned) with an OIDC
 * token read from the file at every refresh, since issuers rotate it.
 */
export interface WebIdentityProfile extends StsSettings {
  kind: 'web-identity';
  name: string;
  roleArn: string;
  tokenFile: string;
  roleSessionName?: string;
  durationSeconds?: number;
  mfaSerial?: undefined;
  mfaProcess?: undefined;
}

/** `credential_process`: a command (split like a POSIX shell would, never run by one) printing Version 1 JSON. */
export interface ProcessProfile extends StsSettings {
  kind: 'process';
  name: string;
  command: string;
  mfaSerial?: undefined;
  mfaProcess?: undefined;
}

/** `login_session`: an `aws login` sign-in, whose cached session the SDK's login provider refreshes. */
export interface LoginProfile extends StsSettings {
  kind: 'login';
  name: string;
  loginSession: string;
  mfaSerial?: undefined;
  mfaProcess?: undefined;
}

export type AmbientKind = 'Environment' | 'Ec2InstanceMetadata' | 'EcsContainer';

/** `credential_source` of a role: credentials the daemon finds around itself. `name` is the role's. */
export interface AmbientProfile extends StsSettings {
  kind: 'ambient';
  name: string;
  source: AmbientKind;
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
