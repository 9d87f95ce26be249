import type { Command } from 'commander';
import { loadAwsConfig } from '../../config/aws-config.js';
import { resolveProfile } from '../../config/resolve-profile.js';
import { CreddError } from '../../domain/errors.js';
import { mfaSerialOf } from '../../domain/profile.js';
import type { DaemonStatus } from '../../protocol/control-api.js';
import type { CliContext } from '../cli-context.js';
import { clockTime } from '../format-time.js';
import { enterMfaCode } from '../mfa-prompt.js';
import { validProfileName } from './profile-name.js';
import { ROUTES } from '../../protocol/routes.js';

/** Starts a fresh MFA session now (before a meeting, not in the middle of a deploy). */
export async function runMfa(input: { profile?: string; mfaCode?: string }, ctx: CliContext): Promise<void> {
  const profile = validProfileName(input.profile ?? (await ctx.daemon.get<DaemonStatus>(ROUTES.control.status)).activeProfile ?? '');
  const serial = mfaSerialOf(resolveProfile(await loadAwsConfig(ctx.configFile), profile, ctx.env));
  if (serial === undefined) throw new CreddError('NoMfa', `Profile "${profile}" has no mfa_serial (on itself or its source profile); it needs no MFA code.`);
  const r = await enterMfaCode(ctx, profile, serial, input.mfaCode);
  ctx.out.write(`MFA session for ${r.sourceProfile} until ${clockTime(r.expiration)}\n`);
}

export function registerMfa(program: Command, ctx: () => CliContext): void {
  program
    .command('mfa')
    .description("start a new MFA session now for PROFILE's IAM user (default: the active profile)")
    .argument('[profile]', 'a profile that uses MFA')
    .option('--mfa-code <code>', 'the MFA code (otherwise asked in the terminal, or read from stdin)')
    .action((profile: string | undefined, opts: { mfaCode?: string }) =>
      runMfa({ ...(profile !== undefined && { profile }), ...(opts.mfaCode !== undefined && { mfaCode: opts.mfaCode }) }, ctx()),
    );
}
