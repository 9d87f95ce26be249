import type { Command } from 'commander';
import { loadAwsConfig } from '../../config/aws-config.js';
import { loadActiveRegion, profileRegion, saveActiveRegion } from '../../config/profile-region.js';
import { suggestProfile } from '../../config/suggest-profile.js';
import { CreddError } from '../../domain/errors.js';
import type { SwitchResult } from '../../protocol/control-api.js';
import type { CliContext } from '../cli-context.js';
import { clockTime } from '../format-time.js';
import { withUserAction } from '../mfa-prompt.js';
import { PROFILE_ARG, validProfileName } from './profile-name.js';
import { ROUTES } from '../../protocol/routes.js';
import { terminalText } from '../../platform/terminal-text.js';

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
  const result = await withUserAction(ctx, profile, () => ctx.daemon.post<SwitchResult>(ROUTES.control.switch, { profile }), {
    ...(input.mfaCode !== undefined && { code: input.mfaCode }),
  }).catch(async (err: unknown) => {
    throw (await mistyped(ctx, profile, err)) ?? err;
  });
  // Shells set up by `credd init` or `credd env` pick this up at their next prompt. Unchanged
  // (switching back and forth within one region), it is not rewritten: an atomic write costs two fsyncs.
  // The daemon says it from the config it serves the profile from; parsing the config here would
  // cost more than the rest of the command (a daemon older than the field: read it here).
  const region = result.region !== undefined ? (result.region ?? undefined) : profileRegion(await loadAwsConfig(ctx.configFile), result.profile, {});
  if ((await loadActiveRegion(ctx.paths.home).catch(() => null)) !== region) await saveActiveRegion(ctx.paths.home, region);
  // The role ARN comes back from STS (or a config value it echoes): printed escaped.
  const role = result.assumedRoleArn ? ` as ${terminalText(result.assumedRoleArn)}` : '';
  const mfa = result.mfaExpiration ? `, MFA session until ${clockTime(result.mfaExpiration)}` : '';
  ctx.out.write(`Switched to ${result.profile}${role} (credentials until ${clockTime(result.expiration)}${mfa})\n`);
  return result;
}

/** A name in neither the config nor the keychain, close to one in the config: a typo, not a missing key. */
async function mistyped(ctx: CliContext, profile: string, err: unknown): Promise<CreddError | undefined> {
  if (!(err instanceof CreddError) || err.code !== 'NoKey') return undefined;
  const config = await loadAwsConfig(ctx.configFile);
  if (config.profiles.has(profile)) return undefined;
  const near = suggestProfile(profile, config.profiles.keys());
  return near === undefined ? undefined : new CreddError('NoSuchProfile', `There is no profile "${profile}" in ${ctx.configFile} and no key for it in credd; did you mean ${near}?`);
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
