import type { Command } from 'commander';
import type { SwitchResult } from '../../protocol/control-api.js';
import type { CliContext } from '../cli-context.js';
import { clockTime } from '../format-time.js';
import { PROFILE_ARG, validProfileName } from './profile-name.js';

/** Makes PROFILE active for every shell that follows the daemon; exits 0 only with valid credentials. */
export async function runSwitch(input: { profile: string }, ctx: CliContext): Promise<SwitchResult> {
  const profile = validProfileName(input.profile);
  const result = await ctx.daemon.post<SwitchResult>('/v1/switch', { profile });
  const role = result.assumedRoleArn ? ` as ${result.assumedRoleArn}` : '';
  ctx.out.write(`Switched to ${result.profile}${role} (credentials until ${clockTime(result.expiration)})\n`);
  return result;
}

export function registerSwitch(program: Command, ctx: () => CliContext): void {
  program
    .command('switch')
    .alias('use')
    .description('make PROFILE the active role for every shell and program using credd')
    .argument(PROFILE_ARG, 'profile from ~/.aws/config')
    .action(async (profile: string) => {
      await runSwitch({ profile }, ctx());
    });
}
