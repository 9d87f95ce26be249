import type { Command } from 'commander';
import { loadAwsConfig } from '../../config/aws-config.js';
import { resolveProfile } from '../../config/resolve-profile.js';
import { loadState } from '../../daemon/daemon-state.js';
import { errorMessage } from '../../domain/errors.js';
import { profileOfKeyItem } from '../../domain/stored-key.js';
import { decodeSession, profileOfSessionItem } from '../../domain/stored-session.js';
import { clockTime } from '../format-time.js';
import { cacheKeyOf, readToken, tokenCacheFile } from '../../sts/sso-token-cache.js';
import type { CliContext } from '../cli-context.js';
import { describeScopeKeys } from '../scope-flags.js';

export interface ListedProfile {
  name: string;
  kind: 'key' | 'role' | 'sso' | 'invalid';
  hasKey: boolean;
  source?: string;
  roleArn?: string;
  mfaSerial?: string;
  active: boolean;
  problem?: string;
  /** For IAM users with MFA: when their cached MFA session ends (ISO), if one is stored. */
  mfaSessionUntil?: string;
  /** For IAM Identity Center profiles: the sign-in state from the shared token cache. */
  signIn?: string;
  /** A role's scope keys: session policies and attribution sent on its AssumeRole. */
  scope?: string;
}

/** Profiles from the AWS config and the keychain, merged; never prints a secret. */
export async function listProfiles(ctx: CliContext): Promise<ListedProfile[]> {
  const [config, items, state] = await Promise.all([
    loadAwsConfig(ctx.configFile),
    ctx.store().then((s) => s.list()),
    loadState(ctx.paths.state),
  ]);
  const withKey = new Set(items.map(profileOfKeyItem).filter((n): n is string => n !== undefined));
  const sessions = await storedSessions(ctx, items);
  const names = [...new Set([...config.profiles.keys(), ...withKey])].sort();
  return Promise.all(names.map(async (name): Promise<ListedProfile> => {
    const base = { name, hasKey: withKey.has(name), active: state.activeProfile === name };
    try {
      const p = resolveProfile(config, name, ctx.env);
      if (p.kind === 'keychain') {
        const until = sessions.get(name);
        return { ...base, kind: 'key', ...(p.mfaSerial && { mfaSerial: p.mfaSerial }), ...(until !== undefined && { mfaSessionUntil: until }) };
      }
      if (p.kind === 'sso') {
        const token = await readToken(tokenCacheFile(ctx.env, cacheKeyOf(p)));
        const signedIn = token !== undefined && Date.parse(token.expiresAt) > Date.now();
        return {
          ...base,
          kind: 'sso',
          roleArn: `${p.accountId}:${p.roleName}`,
          source: p.ssoSession ?? p.startUrl,
          signIn: signedIn
            ? `signed in until ${clockTime(token.expiresAt)}`
            : token?.refreshToken && (token.registrationExpiresAt === undefined || Date.parse(token.registrationExpiresAt) > Date.now())
              ? 'token expired (refreshable)'
              : 'not signed in (credd login)',
        };
      }
      const scope = describeScopeKeys(p.scope);
      return { ...base, kind: 'role', source: p.source.name, roleArn: p.roleArn, ...(p.mfaSerial && { mfaSerial: p.mfaSerial }), ...(scope !== undefined && { scope }) };
    } catch (err) {
      return { ...base, kind: 'invalid', problem: errorMessage(err) };
    }
  }));
}

/** Expiry of each stored, still-valid MFA session; the secrets stay in this process. */
async function storedSessions(ctx: CliContext, items: string[]): Promise<Map<string, string>> {
  const store = await ctx.store();
  const out = new Map<string, string>();
  for (const item of items) {
    const user = profileOfSessionItem(item);
    if (user === undefined) continue;
    const raw = await store.get(item).catch(() => undefined);
    const session = raw === undefined ? undefined : decodeSession(raw);
    if (session && session.creds.expiration.getTime() > Date.now()) out.set(user, session.creds.expiration.toISOString());
  }
  return out;
}

export async function runList(input: { json: boolean }, ctx: CliContext): Promise<void> {
  const profiles = await listProfiles(ctx);
  if (input.json) {
    ctx.out.write(`${JSON.stringify(profiles)}\n`);
    return;
  }
  if (profiles.length === 0) {
    ctx.out.write(`No profiles yet: add a key with "credd add NAME" and roles to ${ctx.configFile}.\n`);
    return;
  }
  const rows = profiles.map((p) => [
    `${p.active ? '*' : ' '} ${p.name}`,
    p.kind === 'role' ? `role ← ${p.source ?? ''}` : p.kind === 'sso' ? `SSO ${p.source ?? ''}` : p.kind === 'key' ? (p.hasKey ? 'key stored' : 'no key (credd add)') : 'invalid',
    p.kind === 'role' || p.kind === 'sso' ? (p.roleArn ?? '') : (p.problem ?? ''),
    p.signIn !== undefined ? p.signIn : p.mfaSessionUntil ? `MFA session until ${clockTime(p.mfaSessionUntil)}` : p.mfaSerial ? (p.kind === 'key' ? 'MFA: no session' : 'MFA') : '',
  ]);
  const header = ['  PROFILE', 'CREDENTIALS', 'ROLE / PROBLEM', 'SESSION'];
  if (profiles.some((p) => p.scope !== undefined)) {
    header.push('SCOPE');
    profiles.forEach((p, i) => rows[i]?.push(p.scope ?? ''));
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  ctx.out.write(`${[fmt(header), ...rows.map(fmt)].join('\n')}\n`);
}

export function registerList(program: Command, ctx: () => CliContext): void {
  program
    .command('list')
    .alias('ls')
    .description('list profiles: which have keys, which are roles and their source, which is active (*)')
    .option('--json', 'print JSON', false)
    .action((opts: { json: boolean }) => runList(opts, ctx()));
}
