import { ConfigError } from '../domain/errors.js';
import { isRoleArn, type KeychainProfile, type Profile, type SsoProfile, type StsSettings } from '../domain/profile.js';
import type { AwsConfig, Section } from './aws-config.js';
import { profileKind } from './profile-kind.js';
import { ambientSource, loginProfile, processProfile, webIdentityProfile } from './resolve-external.js';
import { refusePolicyKeys, scopeOfSection } from './profile-scope.js';

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const MFA_SERIAL = /^[\w+=/:,.@-]{9,256}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/**
 * Turns a profile name into a resolved chain. A name that is not in the config file is a
 * keychain profile with defaults: `credd add base` alone is enough for `source_profile=base`.
 */
export function resolveProfile(config: AwsConfig, name: string, env: NodeJS.ProcessEnv = process.env): Profile {
  return resolve(config, name, env, []);
}

function resolve(config: AwsConfig, name: string, env: NodeJS.ProcessEnv, chain: string[]): Profile {
  if (chain.includes(name)) {
    throw new ConfigError(`Profile "${chain[0]}" has a source_profile cycle: ${[...chain, name].join(' → ')} (in ${config.file}).`);
  }
  const section = config.profiles.get(name) ?? {};
  const where = `Profile "${name}" in ${config.file}`;
  const sts = stsSettings(config, section, env, where);
  const mfaSerial = optional(section, 'mfa_serial', where, (v) => MFA_SERIAL.test(v), 'an MFA device ARN such as arn:aws:iam::123456789012:mfa/alice');
  const mfaProcess = nonEmpty(section['mfa_process']);
  const roleArn = section['role_arn'];
  const kind = profileKind(section);
  if (kind === 'process') return processProfile(name, section, sts, where);
  if (kind === 'web-identity' && isRoleArn(roleArn?.trim() ?? '')) return webIdentityProfile(name, (roleArn ?? '').trim(), section, sts, where, env);
  if ((roleArn === undefined || roleArn === '') && (nonEmpty(section['sso_session']) || nonEmpty(section['sso_start_url']))) {
    refusePolicyKeys(section, where, 'sso');
    return ssoProfile(config, name, section, sts, where);
  }
  if (roleArn === undefined || roleArn === '') {
    if (kind === 'login') return loginProfile(name, section, sts);
    refusePolicyKeys(section, where, 'keychain');
    const plaintextKeyIn = config.plaintextKeys?.get(name);
    return {
      ...keychainProfile({ name, sts, mfaSerial, section, where, inConfig: config.profiles.has(name) || plaintextKeyIn !== undefined, env }),
      ...(mfaProcess !== undefined && { mfaProcess }),
      ...(plaintextKeyIn !== undefined && { plaintextKeyIn }),
    };
  }
  if (!isRoleArn(roleArn)) {
    throw new ConfigError(`${where}: role_arn "${roleArn}" is not a role ARN (expected arn:aws:iam::123456789012:role/Name).`);
  }
  const sourceName = section['source_profile'];
  const hasCredentialSource = nonEmpty(section['credential_source']) !== undefined;
  if ((sourceName === undefined || sourceName === '') && !hasCredentialSource) {
    throw new ConfigError(`${where}: role_arn is set but source_profile is missing (set source_profile to the profile whose key you added with "credd add", or credential_source).`);
  }
  // `source_profile` naming the profile itself means "this profile's own key", as in the AWS CLI.
  const source: Profile = hasCredentialSource
    ? ambientSource(name, section, sts, where)
    : sourceName === name
      ? keychainProfile({ name, sts, mfaSerial: undefined, section: {}, where, inConfig: true, env })
      : resolve(config, sourceName ?? '', env, [...chain, name]);
  const durationSeconds = integer(section, 'duration_seconds', where, 900, 43_200);
  const roleSessionName = optional(section, 'role_session_name', where, (v) => SESSION_NAME.test(v.split('{program}').join('x')), '2–64 characters of letters, digits and +=,.@_-, and {program} for the program credd exec runs');
  const scope = scopeOfSection(section, where, env);
  const externalId = optional(section, 'external_id', where, (v) => /^[\w+=,.@:/-]{2,1224}$/.test(v), '2–1224 characters of letters, digits and +=,.@:/_-');
  return {
    kind: 'role',
    name,
    roleArn,
    source,
    ...sts,
    ...(mfaSerial !== undefined && { mfaSerial }),
    ...(mfaProcess !== undefined && { mfaProcess }),
    ...(durationSeconds !== undefined && { durationSeconds }),
    ...(roleSessionName !== undefined && { roleSessionName }),
    ...(externalId !== undefined && { externalId }),
    ...(scope !== undefined && { scope }),
  };
}

interface KeychainProfileInput {
  name: string;
  sts: StsSettings;
  mfaSerial: string | undefined;
  section: Section;
  /** How error messages name the profile and file. */
  where: string;
  inConfig: boolean;
  env: NodeJS.ProcessEnv;
}

function keychainProfile({ name, sts, mfaSerial, section, where, inConfig, env }: KeychainProfileInput): KeychainProfile {
  const fromEnv = nonEmpty(env['CREDD_MFA_SESSION_DURATION']);
  const sessionDurationSeconds =
    integer(section, 'mfa_session_duration', where, 900, 129_600) ??
    (fromEnv === undefined ? undefined : integer({ CREDD_MFA_SESSION_DURATION: fromEnv }, 'CREDD_MFA_SESSION_DURATION', 'The environment', 900, 129_600));
  return {
    kind: 'keychain',
    name,
    inConfig,
    ...sts,
    ...(mfaSerial !== undefined && { mfaSerial }),
    ...(sessionDurationSeconds !== undefined && { sessionDurationSeconds }),
  };
}

function ssoProfile(config: AwsConfig, name: string, section: Section, sts: StsSettings, where: string): SsoProfile {
  const sessionName = nonEmpty(section['sso_session']);
  let source: Section = section;
  let sourceWhere = where;
  if (sessionName !== undefined) {
    const session = config.ssoSessions.get(sessionName);
    if (!session) throw new ConfigError(`${where}: sso_session "${sessionName}" has no [sso-session ${sessionName}] section.`);
    source = session;
    sourceWhere = `[sso-session ${sessionName}] in ${config.file}`;
  }
  const startUrl = nonEmpty(source['sso_start_url']);
  const ssoRegion = nonEmpty(source['sso_region']);
  if (startUrl === undefined || !/^https:\/\/\S+$/.test(startUrl)) throw new ConfigError(`${sourceWhere}: sso_start_url is missing or not an https URL.`);
  if (ssoRegion === undefined || !REGION.test(ssoRegion)) throw new ConfigError(`${sourceWhere}: sso_region is missing or not a region name.`);
  const accountId = nonEmpty(section['sso_account_id']);
  const roleName = nonEmpty(section['sso_role_name']);
  if (accountId === undefined || !/^\d{12}$/.test(accountId)) throw new ConfigError(`${where}: sso_account_id must be a 12-digit account id.`);
  if (roleName === undefined || !/^[\w+=,.@-]{1,64}$/.test(roleName)) throw new ConfigError(`${where}: sso_role_name is missing or not a role name.`);
  const scopes = (nonEmpty(source['sso_registration_scopes']) ?? 'sso:account:access').split(',').map((x) => x.trim()).filter((x) => x !== '');
  return {
    kind: 'sso',
    name,
    startUrl,
    ssoRegion,
    registrationScopes: scopes,
    accountId,
    roleName,
    ...sts,
    ...(sessionName !== undefined && { ssoSession: sessionName }),
  };
}

function stsSettings(config: AwsConfig, section: Section, env: NodeJS.ProcessEnv, where: string): StsSettings {
  const region = nonEmpty(section['region']) ?? nonEmpty(env['AWS_REGION']) ?? nonEmpty(env['AWS_DEFAULT_REGION']) ?? 'us-east-1';
  if (!REGION.test(region)) throw new ConfigError(`${where}: region "${region}" is not an AWS region name (e.g. eu-west-1).`);
  const endpoint = endpointFor(config, section, env);
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(endpoint)) {
    throw new ConfigError(`${where}: the STS endpoint "${endpoint}" is not an http(s) URL.`);
  }
  return { region, ...(endpoint !== undefined && { endpoint }) };
}

/** The SDKs' order: service env var, global env var, then the profile's services section and endpoint_url. */
function endpointFor(config: AwsConfig, section: Section, env: NodeJS.ProcessEnv): string | undefined {
  if (env['AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'] === 'true') return undefined;
  const fromEnv = nonEmpty(env['AWS_ENDPOINT_URL_STS']) ?? nonEmpty(env['AWS_ENDPOINT_URL']);
  if (fromEnv) return fromEnv;
  const servicesName = nonEmpty(section['services']);
  const fromServices = servicesName ? nonEmpty(config.services.get(servicesName)?.['sts.endpoint_url']) : undefined;
  return fromServices ?? nonEmpty(section['endpoint_url']);
}

function optional(section: Section, key: string, where: string, valid: (v: string) => boolean, expected: string): string | undefined {
  const value = nonEmpty(section[key]);
  if (value === undefined) return undefined;
  if (!valid(value)) throw new ConfigError(`${where}: ${key} "${value}" is not valid (expected ${expected}).`);
  return value;
}

function integer(section: Section, key: string, where: string, min: number, max: number): number | undefined {
  const raw = nonEmpty(section[key]);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) {
    throw new ConfigError(`${where}: ${key} "${raw}" must be a whole number of seconds from ${min} to ${max}.`);
  }
  return n;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}
