import type { Command } from 'commander';
import { loadAwsConfig } from '../../config/aws-config.js';
import { resolveProfile } from '../../config/resolve-profile.js';
import { loadState } from '../../daemon/daemon-state.js';
import { errorMessage } from '../../domain/errors.js';
import { profileOfKeyItem } from '../../domain/stored-key.js';
import type { CliContext } from '../cli-context.js';

export interface ListedProfile {
  name: string;
  kind: 'key' | 'role' | 'invalid';
  hasKey: boolean;
  source?: string;
  roleArn?: string;
  mfaSerial?: string;
  active: boolean;
  problem?: string;
}

/** Profiles from the AWS config and the keychain, merged; never prints a secret. */
export async function listProfiles(ctx: CliContext): Promise<ListedProfile[]> {
  const [config, items, state] = await Promise.all([
    loadAwsConfig(ctx.configFile),
    ctx.store().then((s) => s.list()),
    loadState(ctx.paths.state),
  ]);
  const withKey = new Set(items.map(profileOfKeyItem).filter((n): n is string => n !== undefined));
  const names = [...new Set([...config.profiles.keys(), ...withKey])].sort();
  return names.map((name) => {
    const base = { name, hasKey: withKey.has(name), active: state.activeProfile === name };
    try {
      const p = resolveProfile(config, name, ctx.env);
      if (p.kind === 'keychain') return { ...base, kind: 'key', ...(p.mfaSerial && { mfaSerial: p.mfaSerial }) };
      return { ...base, kind: 'role', source: p.source.name, roleArn: p.roleArn, ...(p.mfaSerial && { mfaSerial: p.mfaSerial }) };
    } catch (err) {
      return { ...base, kind: 'invalid', problem: errorMessage(err) };
    }
  });
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
    p.kind === 'role' ? `role ← ${p.source ?? ''}` : p.kind === 'key' ? (p.hasKey ? 'key stored' : 'no key (credd add)') : 'invalid',
    p.kind === 'role' ? (p.roleArn ?? '') : (p.problem ?? ''),
    p.mfaSerial ? 'MFA' : '',
  ]);
  const header = ['  PROFILE', 'CREDENTIALS', 'ROLE / PROBLEM', ''];
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
