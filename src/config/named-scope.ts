import { ConfigError } from '../domain/errors.js';
import type { Profile } from '../domain/profile.js';
import { hasPolicy, PROGRAM_PLACEHOLDER, type ScopeRequest, type SessionScope } from '../domain/session-scope.js';
import type { AwsConfig, Section } from './aws-config.js';
import { SCOPE_KEYS, scopeOfSection } from './profile-scope.js';
import { suggestProfile } from './suggest-profile.js';

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/** What `credd exec P --as NAME` takes from [profile NAME]: its narrowing and labelling keys, nothing of how a role is reached. */
export interface NamedScope {
  name: string;
  scope: SessionScope;
  roleSessionName?: string;
}

/**
 * [profile NAME] as a scope for PROFILE, checked against everything that would make the
 * result wider than asked or a different role: it must exist, set at least one scope key, name
 * no other role than PROFILE's, and not add session policies to policies PROFILE or the
 * command line already give (AWS joins session policies, which would widen them).
 */
export function namedScope(config: AwsConfig, profile: string, name: string, request: ScopeRequest, env: NodeJS.ProcessEnv): NamedScope {
  const where = `--as ${name}`;
  if (name === profile) throw new ConfigError(`${where}: that is the profile itself; run credd exec ${name} without --as.`);
  const section = config.profiles.get(name);
  if (section === undefined) {
    const near = suggestProfile(name, config.profiles.keys());
    throw new ConfigError(`${where}: there is no [profile ${name}] in ${config.file}${near === undefined ? '' : ` (did you mean ${near}?)`}.`);
  }
  const scope = scopeOfSection(section, `Profile "${name}" in ${config.file}`, env);
  if (scope === undefined) throw new ConfigError(`${where}: [profile ${name}] sets none of ${SCOPE_KEYS.join(', ')}, so it narrows and labels nothing.`);
  const mine = config.profiles.get(profile) ?? {};
  const ownRole = text(mine, 'role_arn');
  const theirRole = text(section, 'role_arn');
  if (ownRole !== undefined && theirRole !== undefined && ownRole !== theirRole) {
    throw new ConfigError(`${where}: [profile ${name}] is for role ${theirRole}, not ${ownRole} of "${profile}"; a scope only narrows the role it runs on, so run credd exec ${name}, or remove role_arn from [profile ${name}].`);
  }
  const givesPolicy = scope.policyArns !== undefined || scope.policyFile !== undefined;
  if (givesPolicy && (text(mine, 'credd_policy_arns') !== undefined || text(mine, 'credd_policy_file') !== undefined)) {
    throw new ConfigError(`${where}: profile "${profile}" already sets credd_policy_arns or credd_policy_file, and session policies are joined (which can only widen them); use a profile without them.`);
  }
  if (givesPolicy && hasPolicy(request)) {
    throw new ConfigError(`${where}: [profile ${name}] already sets session policies, and --policy/--policy-arn would be joined with them (which can only widen them); put all the policies in one place.`);
  }
  const roleSessionName = text(section, 'role_session_name');
  if (roleSessionName !== undefined && !SESSION_NAME.test(roleSessionName.split(PROGRAM_PLACEHOLDER).join('x'))) {
    throw new ConfigError(`Profile "${name}" in ${config.file}: role_session_name "${roleSessionName}" is not valid (expected 2–64 characters of letters, digits and +=,.@_-, and {program}).`);
  }
  return { name, scope, ...(roleSessionName !== undefined && { roleSessionName }) };
}

/**
 * PROFILE's role with the named scope laid on: its session policies (PROFILE has none, checked
 * above), and its source identity, tags and session name in place of PROFILE's own.
 */
export function withNamedScope(profile: Profile, named: NamedScope): Profile {
  // A key or SSO profile is refused by the narrowing step, in its own words.
  if (profile.kind !== 'role') return profile;
  const own = profile.scope ?? {};
  const s = named.scope;
  const scope: SessionScope = {
    ...own,
    ...(s.policyArns !== undefined && { policyArns: s.policyArns }),
    ...(s.policyFile !== undefined && { policyFile: s.policyFile }),
    ...(s.sourceIdentity !== undefined && { sourceIdentity: s.sourceIdentity }),
  };
  if (s.tags !== undefined) {
    // Tags come as a set: transitive keys of the profile's own tags would name tags no longer sent.
    delete scope.transitiveTagKeys;
    scope.tags = s.tags;
    if (s.transitiveTagKeys !== undefined) scope.transitiveTagKeys = s.transitiveTagKeys;
  }
  return { ...profile, scope, ...(named.roleSessionName !== undefined && { roleSessionName: named.roleSessionName }) };
}

function text(section: Section, key: string): string | undefined {
  const v = section[key]?.trim();
  return v === undefined || v === '' ? undefined : v;
}
