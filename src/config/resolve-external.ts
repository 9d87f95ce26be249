import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../domain/errors.js';
import type { AmbientKind, AmbientProfile, LoginProfile, ProcessProfile, StsSettings, WebIdentityProfile } from '../domain/profile.js';
import type { Section } from './aws-config.js';

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const AMBIENT: readonly AmbientKind[] = ['Environment', 'Ec2InstanceMetadata', 'EcsContainer'];

/** `role_arn` + `web_identity_token_file` (and no source_profile): AssumeRoleWithWebIdentity. */
export function webIdentityProfile(name: string, roleArn: string, section: Section, sts: StsSettings, where: string, env: NodeJS.ProcessEnv): WebIdentityProfile {
  const raw = nonEmpty(section['web_identity_token_file']) ?? '';
  // The AWS CLI opens the path as written; a daemon's working directory is not the user's, so
  // a relative path is refused rather than read from somewhere surprising.
  const tokenFile = raw.startsWith('~/') ? path.join(env['HOME'] ?? os.homedir(), raw.slice(2)) : raw;
  if (!path.isAbsolute(tokenFile)) throw new ConfigError(`${where}: web_identity_token_file "${raw}" must be an absolute path (or start with ~/).`);
  const roleSessionName = nonEmpty(section['role_session_name']);
  if (roleSessionName !== undefined && !SESSION_NAME.test(roleSessionName)) {
    throw new ConfigError(`${where}: role_session_name "${roleSessionName}" is not valid (expected 2–64 characters of letters, digits and +=,.@_-).`);
  }
  const duration = nonEmpty(section['duration_seconds']);
  if (duration !== undefined && (!/^\d+$/.test(duration) || Number(duration) < 900 || Number(duration) > 43_200)) {
    throw new ConfigError(`${where}: duration_seconds "${duration}" must be a whole number of seconds from 900 to 43200.`);
  }
  return {
    kind: 'web-identity',
    name,
    roleArn,
    tokenFile,
    ...sts,
    ...(roleSessionName !== undefined && { roleSessionName }),
    ...(duration !== undefined && { durationSeconds: Number(duration) }),
  };
}

export function processProfile(name: string, section: Section, sts: StsSettings, where: string): ProcessProfile {
  const command = nonEmpty(section['credential_process']);
  if (command === undefined) throw new ConfigError(`${where}: credential_process is empty.`);
  return { kind: 'process', name, command, ...sts };
}

export function loginProfile(name: string, section: Section, sts: StsSettings): LoginProfile {
  return { kind: 'login', name, loginSession: nonEmpty(section['login_session']) ?? '', ...sts };
}

/** A role's `credential_source`, as the AWS CLI accepts it (the three canonical names, exact case). */
export function ambientSource(name: string, section: Section, sts: StsSettings, where: string): AmbientProfile {
  const value = nonEmpty(section['credential_source']) ?? '';
  if (nonEmpty(section['source_profile']) !== undefined) throw new ConfigError(`${where} has both source_profile and credential_source; keep one.`);
  const source = AMBIENT.find((k) => k === value);
  if (source === undefined) throw new ConfigError(`${where}: credential_source "${value}" is not one of ${AMBIENT.join(', ')}.`);
  return { kind: 'ambient', name, source, ...sts };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}
