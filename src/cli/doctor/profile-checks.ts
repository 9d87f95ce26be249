import { loadAwsConfig } from '../../config/aws-config.js';
import { resolveProfile } from '../../config/resolve-profile.js';
import { errorMessage } from '../../domain/errors.js';
import { rootOf } from '../../domain/profile.js';
import { awsCredentialsFile } from '../../platform/paths.js';
import type { CliContext } from '../cli-context.js';
import { prerequisiteOf } from '../profiles/prerequisites.js';
import { secretsView } from '../secret-client.js';
import { ok, warn, type CheckResult } from './check.js';

const LABEL: Record<string, string> = { keychain: 'key', sso: 'IAM Identity Center', 'web-identity': 'web identity', process: 'credential_process', ambient: 'credential_source', login: 'aws login' };

/**
 * What each profile's kind needs (token file, helper program, imported key, SSO sign-in), one
 * line per profile that lacks it; a warning, since only the profiles in use matter.
 */
export async function profileKindChecks(ctx: CliContext): Promise<CheckResult[]> {
  let config;
  try {
    config = await loadAwsConfig(ctx.configFile, awsCredentialsFile(ctx.env));
  } catch (err) {
    return [warn(`cannot read ${ctx.configFile}: ${errorMessage(err)}`, `fix the file, then: credd list`)];
  }
  // Through the daemon when it runs, like `credd list`: the CLI never opens the keychain then.
  const keys = new Set(await secretsView(ctx).then((view) => view.keys, () => []));
  const results: CheckResult[] = [];
  const byKind = new Map<string, number>();
  for (const name of [...new Set([...config.profiles.keys(), ...(config.plaintextKeys?.keys() ?? [])])].sort()) {
    let root;
    try {
      const profile = resolveProfile(config, name, ctx.env);
      root = rootOf(profile);
      const need = await prerequisiteOf(profile, { hasKey: (n) => keys.has(n), env: ctx.env, now: ctx.clock.now() });
      if (need && !need.ok) results.push(warn(`profile ${name}: ${need.what}`, need.fix ?? `credd list`));
    } catch {
      continue; // invalid profiles are credd list's to explain
    }
    const label = LABEL[root.kind] ?? root.kind;
    byKind.set(label, (byKind.get(label) ?? 0) + 1);
  }
  if (results.length === 0) {
    const kinds = [...byKind].map(([k, n]) => `${n} ${k}`).join(', ');
    results.push(ok(`every profile has what its kind needs${kinds ? ` (by source: ${kinds})` : ''}`));
  }
  return results;
}
