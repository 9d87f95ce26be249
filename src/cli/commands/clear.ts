import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { validProfileName } from './profile-name.js';
import { ROUTES } from '../../protocol/routes.js';

/** Drops cached credentials and MFA sessions, of PROFILE's IAM user or of everyone. */
export async function runClear(input: { profile?: string }, ctx: CliContext): Promise<void> {
  const profile = input.profile === undefined ? undefined : validProfileName(input.profile);
  await ctx.daemon.post(ROUTES.control.clear, profile === undefined ? {} : { profile });
  ctx.out.write(profile === undefined ? 'Cleared all cached credentials and MFA sessions.\n' : `Cleared cached credentials and the MFA session behind "${profile}".\n`);
}

export function registerClear(program: Command, ctx: () => CliContext): void {
  program
    .command('clear')
    .description("forget cached credentials and the MFA session (of PROFILE's IAM user, or all); the next use asks for a new code")
    .argument('[profile]', 'profile whose IAM user to clear')
    .action((profile: string | undefined) => runClear(profile === undefined ? {} : { profile }, ctx()));
}
