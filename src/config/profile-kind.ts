import type { Section } from './aws-config.js';

/** What a profile section is, told from its keys alone (before any validation). */
export type ProfileKind = 'key' | 'role' | 'credential-source' | 'web-identity' | 'sso' | 'process' | 'login' | 'plaintext-key';

/**
 * The AWS CLI's precedence: a role with a source (source_profile or credential_source)
 * first, then web identity, IAM Identity Center, static keys, credential_process, and an
 * `aws login` session. A name with none of these is an IAM user whose key credd keeps.
 */
export function profileKind(section: Section): ProfileKind {
  const has = (key: string): boolean => (section[key] ?? '').trim() !== '';
  if (has('role_arn')) {
    if (has('source_profile')) return 'role';
    if (has('credential_source')) return 'credential-source';
    if (has('web_identity_token_file')) return 'web-identity';
    return 'role';
  }
  if (has('sso_session') || has('sso_start_url')) return 'sso';
  if (has('aws_access_key_id') && !has('credential_process')) return 'plaintext-key';
  if (has('credential_process')) return 'process';
  if (has('login_session')) return 'login';
  return 'key';
}
