import type { Command } from 'commander';
import { loadAwsConfig } from '../../config/aws-config.js';
import { profileRegion, saveActiveRegion } from '../../config/profile-region.js';
import type { SwitchResult } from '../../protocol/control-api.js';
import type { CliContext } from '../cli-context.js';
import { clockTime } from '../format-time.js';
import { withMfa } from '../mfa-prompt.js';
import { PROFILE_ARG, validProfileName } from './profile-name.js';

export interface SwitchInput {
  profile: string;
  mfaCode?: string;
}

/**
 * Makes PROFILE active for every shell that follows the daemon; exits 0 only once the daemon
 * holds valid credentials. When the role needs MFA and no session is cached, asks for the code.
 */
export async function runSwitch(input: SwitchInput, ctx: CliContext): Promise<SwitchResult> {
  const profile = validProfileName(input.profile);
  const result = await withMfa(ctx, profile, () => ctx.daemon.post<SwitchResult>('/v1/switch', { profile }), {
    ...(input.mfaCode !== undefined && { code: input.mfaCode }),
  });
  // Shells set up by `credd env` pick this up at their next prompt.
  await saveActiveRegion(ctx.paths.home, profileRegion(await loadAwsConfig(ctx.configFile), result.profile, {}));
  const role = result.assumedRoleArn ? ` as ${result.assumedRoleArn}` : '';
  const mfa = result.mfaExpiration ? `, MFA session until ${clockTime(result.mfaExpiration)}` : '';
  ctx.out.write(`Switched to ${result.profile}${role} (credentials until ${clockTime(result.expiration)}${mfa})\n`);
  return result;
}

export function registerSwitch(program: Command, ctx: () => CliContext): void {
  program
    .command('switch')
    .alias('use')
    .description('make PROFILE the active role for every shell and program using credd (asks for an MFA code if one is needed)')
    .argument(PROFILE_ARG, 'profile from ~/.aws/config')
    .option('--mfa-code <code>', 'the MFA code, for scripts (otherwise asked in the terminal, or read from stdin when it is not one)')
    .action(async (profile: string, opts: { mfaCode?: string }) => {
      await runSwitch({ profile, ...(opts.mfaCode !== undefined && { mfaCode: opts.mfaCode }) }, ctx());
    });
}
