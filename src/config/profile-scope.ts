import path from 'node:path';
import { ConfigError } from '../domain/errors.js';
import { checkPolicyArns, checkSourceIdentity, parseSessionTags, parseTransitiveKeys } from '../domain/scope-limits.js';
import type { SessionScope } from '../domain/session-scope.js';
import type { Section } from './aws-config.js';

/** The profile keys that narrow or label a role session (the last three as aws-vault reads them). */
export const SCOPE_KEYS = ['credd_policy_arns', 'credd_policy_file', 'source_identity', 'session_tags', 'transitive_session_tags'] as const;
const POLICY_KEYS = ['credd_policy_arns', 'credd_policy_file'] as const;

/**
 * A role profile's scope keys, checked against AWS's limits. The policy file is only located
 * here (its text is read when credentials are fetched, so an edit applies at the next refresh).
 */
export function scopeOfSection(section: Section, where: string, env: NodeJS.ProcessEnv): SessionScope | undefined {
  const arns = value(section, 'credd_policy_arns');
  const file = value(section, 'credd_policy_file');
  const sourceIdentity = value(section, 'source_identity');
  const tagsRaw = value(section, 'session_tags');
  const transitiveRaw = value(section, 'transitive_session_tags');
  if ([arns, file, sourceIdentity, tagsRaw, transitiveRaw].every((v) => v === undefined)) return undefined;
  const policyArns = arns === undefined ? undefined : checkPolicyArns(arns.split(',').map((a) => a.trim()).filter((a) => a !== ''), `${where}, credd_policy_arns`);
  const tags = tagsRaw === undefined ? undefined : parseSessionTags(tagsRaw, where);
  if (transitiveRaw !== undefined && tags === undefined) throw new ConfigError(`${where}: transitive_session_tags is set but session_tags is not.`);
  const transitiveTagKeys = transitiveRaw === undefined ? undefined : parseTransitiveKeys(transitiveRaw, tags ?? [], where);
  return {
    ...(policyArns !== undefined && policyArns.length > 0 && { policyArns }),
    ...(file !== undefined && { policyFile: expandHome(file, env) }),
    ...(sourceIdentity !== undefined && { sourceIdentity: checkSourceIdentity(sourceIdentity, where) }),
    ...(tags !== undefined && tags.length > 0 && { tags }),
    ...(transitiveTagKeys !== undefined && transitiveTagKeys.length > 0 && { transitiveTagKeys }),
  };
}

/**
 * Session policies exist only on AssumeRole: on a key or SSO profile they would be silently
 * ignored and the program would get everything, so they are refused instead.
 */
export function refusePolicyKeys(section: Section, where: string, kind: 'keychain' | 'sso'): void {
  const found = POLICY_KEYS.find((k) => value(section, k) !== undefined);
  if (found === undefined) return;
  const what = kind === 'sso' ? 'IAM Identity Center role credentials take no session policy' : 'an IAM user\'s own key takes no session policy';
  throw new ConfigError(`${where}: ${found} needs a role profile (${what}); make a profile with role_arn and source_profile and put it there.`);
}

function expandHome(file: string, env: NodeJS.ProcessEnv): string {
  if (file === '~' || file.startsWith('~/')) return path.join(env['HOME'] ?? '/', file.slice(1));
  return file;
}

function value(section: Section, key: string): string | undefined {
  const v = section[key];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}
