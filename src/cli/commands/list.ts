import type { Command } from 'commander';
import { loadAwsConfig } from '../../config/aws-config.js';
import { resolveProfile } from '../../config/resolve-profile.js';
import { loadState } from '../../daemon/daemon-state.js';
import { errorMessage } from '../../domain/errors.js';
import type { DaemonStatus, SecretsView } from '../../protocol/control-api.js';
import { ROUTES } from '../../protocol/routes.js';
import { rootOf } from '../../domain/profile.js';
import { clockTime } from '../format-time.js';
import { cacheKeyOf, readToken, tokenCacheFile } from '../../aws/sso-token-cache.js';
import type { CliContext } from '../cli-context.js';
import { secretsView } from '../secret-client.js';
import { awsCredentialsFile } from '../../platform/paths.js';
import { prerequisiteOf } from '../profiles/prerequisites.js';
import { describeScopeKeys } from '../scope-flags.js';
import { terminalText } from '../../platform/terminal-text.js';

export interface ListedProfile {
  name: string;
  kind: 'key' | 'role' | 'sso' | 'web-identity' | 'process' | 'login' | 'invalid';
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
  /** Whether what this kind needs is in place (token file, process, imported key): see prerequisites.ts. */
  state?: string;
  /** A role's scope keys: session policies and attribution sent on its AssumeRole. */
  scope?: string;
}

/** Profiles from the AWS config and the keychain, merged; never prints a secret. */
export async function listProfiles(ctx: CliContext): Promise<ListedProfile[]> {
  const [config, view, state, loginRefusedAt] = await Promise.all([loadAwsConfig(ctx.configFile, awsCredentialsFile(ctx.env)), secretsView(ctx), loadState(ctx.paths.state), loginRefusals(ctx)]);
  const withKey = new Set(view.keys);
  const sessions = liveSessions(view, ctx.clock.now());
  const names = [...new Set([...config.profiles.keys(), ...withKey, ...(config.plaintextKeys?.keys() ?? [])])].sort();
  return Promise.all(names.map(async (name): Promise<ListedProfile> => {
    const base = { name, hasKey: withKey.has(name), active: state.activeProfile === name };
    try {
      const p = resolveProfile(config, name, ctx.env);
      const need = await prerequisiteOf(p, { hasKey: (n) => withKey.has(n), env: ctx.env, now: ctx.clock.now(), loginRefusedAt: (n) => loginRefusedAt.get(n) });
      // Keys and SSO already show their own state (MFA session, sign-in): only what is missing is added.
      const quiet = need?.ok === true && (rootOf(p).kind === 'keychain' || rootOf(p).kind === 'sso');
      const state = need && !quiet && { state: need.ok ? need.what : `${need.what}${need.fix ? ` (${need.fix})` : ''}` };
      if (p.kind === 'web-identity') return { ...base, kind: 'web-identity', roleArn: p.roleArn, source: p.tokenFile, ...state };
      if (p.kind === 'process') return { ...base, kind: 'process', source: p.command, ...state };
      if (p.kind === 'login') return { ...base, kind: 'login', source: p.loginSession, ...state };
      if (p.kind === 'ambient') return { ...base, kind: 'invalid', problem: 'a credential_source is only the source of its role' };
      if (p.kind === 'keychain') {
        const until = sessions.get(name);
        return { ...base, kind: 'key', ...(p.mfaSerial && { mfaSerial: p.mfaSerial }), ...(until !== undefined && { mfaSessionUntil: until }), ...state };
      }
      if (p.kind === 'sso') {
        const token = await readToken(tokenCacheFile(ctx.env, cacheKeyOf(p)));
        const signedIn = token !== undefined && Date.parse(token.expiresAt) > ctx.clock.now();
        return {
          ...base,
          kind: 'sso',
          roleArn: `${p.accountId}:${p.roleName}`,
          source: p.ssoSession ?? p.startUrl,
          signIn: signedIn
            ? `signed in until ${clockTime(token.expiresAt)}`
            : token?.refreshToken && (token.registrationExpiresAt === undefined || Date.parse(token.registrationExpiresAt) > ctx.clock.now())
              ? 'token expired (refreshable)'
              : 'not signed in (credd login)',
        };
      }
      const source = p.source.kind === 'ambient' ? `credential_source ${p.source.source}` : p.source.name;
      const root = rootOf(p);
      const noKey = root.kind === 'keychain' && !withKey.has(root.name) && root.plaintextKeyIn === undefined ? `${root.name} has no key (credd add ${root.name})` : undefined;
      const scope = describeScopeKeys(p.scope);
      return { ...base, kind: 'role', source, roleArn: p.roleArn, ...(p.mfaSerial && { mfaSerial: p.mfaSerial }), ...state, ...(noKey !== undefined && { problem: noKey }), ...(scope !== undefined && { scope }) };
    } catch (err) {
      return { ...base, kind: 'invalid', problem: errorMessage(err) };
    }
  }));
}

/** Profiles whose aws login session the running daemon found ended, and when; none without a daemon. */
async function loginRefusals(ctx: CliContext): Promise<Map<string, number>> {
  const status = await ctx.daemon.get<DaemonStatus>(ROUTES.control.status).catch(() => undefined);
  const out = new Map<string, number>();
  for (const p of status?.profiles ?? []) if (p.lastError?.code === 'LoginRequired') out.set(p.name, Date.parse(p.lastError.at));
  return out;
}

/** Ends of the MFA sessions the daemon holds: the CLI reads no secret (and opens no keychain). */
function liveSessions(view: SecretsView, now: number): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of view.sessions) if (s.expiration !== undefined && Date.parse(s.expiration) > now) out.set(s.profile, s.expiration);
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
    credentialsColumn(p),
    p.kind === 'role' ? (p.problem !== undefined ? `${p.roleArn ?? ''}; ${p.problem}` : (p.roleArn ?? '')) : p.kind === 'sso' || p.kind === 'web-identity' ? (p.roleArn ?? '') : (p.problem ?? ''),
    p.signIn !== undefined ? p.signIn : p.state !== undefined ? p.state : p.mfaSessionUntil ? `MFA session until ${clockTime(p.mfaSessionUntil)}` : p.mfaSerial ? (p.kind === 'key' ? 'MFA: no session' : 'MFA') : '',
  ]);
  const header = ['  PROFILE', 'CREDENTIALS', 'ROLE / PROBLEM', 'SESSION'];
  if (profiles.some((p) => p.scope !== undefined)) {
    header.push('SCOPE');
    profiles.forEach((p, i) => rows[i]?.push(p.scope ?? ''));
  }
  // Names and values come from a config file anyone could have handed the user: each cell is
  // escaped whole (before widths are measured), so none can forge a row or reach the terminal raw.
  const cells = rows.map((r) => r.map((c) => terminalText(c)));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  ctx.out.write(`${[fmt(header), ...cells.map(fmt)].join('\n')}\n`);
}

function credentialsColumn(p: ListedProfile): string {
  switch (p.kind) {
    case 'role':
      return `role ← ${p.source ?? ''}`;
    case 'sso':
      return `SSO ${p.source ?? ''}`;
    case 'web-identity':
      return `web identity ← ${p.source ?? ''}`;
    case 'process':
      return 'credential_process';
    case 'login':
      return 'aws login';
    case 'key':
      return p.hasKey ? 'key stored' : p.state !== undefined ? 'key not imported' : 'no key (credd add)';
    default:
      return 'invalid';
  }
}

export function registerList(program: Command, ctx: () => CliContext): void {
  program
    .command('list')
    .alias('ls')
    .description('list profiles: which have keys, which are roles and their source, which is active (*)')
    .option('--json', 'print JSON', false)
    .action((opts: { json: boolean }) => runList(opts, ctx()));
}
