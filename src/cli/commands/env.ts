import type { Command } from 'commander';
import { activeRegionFile, regionVariablesFor } from '../../config/profile-region.js';
import { loadOrCreateToken } from '../../daemon/auth-token.js';
import { loadDaemonInfo } from '../../daemon/daemon-info.js';
import { CreddError, errorMessage } from '../../domain/errors.js';
import { portFromEnv } from '../../platform/settings.js';
import { tokenFor, warnAboutPort } from '../scoped-env.js';
import type { SwitchResult } from '../../protocol/control-api.js';
import type { CliContext } from '../cli-context.js';
import { exportLines, regionFollower, shellKind, shellQuote } from '../shell-code.js';
import { hookFiles, hookShell, promptHook } from '../shell-hook.js';
import { validProfileName } from './profile-name.js';
import { ecsPath, ROUTES } from '../../protocol/routes.js';
import { terminalText } from '../../platform/terminal-text.js';

export interface EnvInput {
  profile?: string;
  /** Print the IMDS endpoint instead of the container endpoint. */
  imds?: boolean;
  /** Also print a prompt hook (true: for the shell that runs it). */
  hook?: string | true;
  /** bash, zsh, sh or fish; default: the shell running `credd env` where it can be told. */
  shell?: string;
}

/** Variables that would take precedence over ours in some SDKs' container provider. */
const SHADOWING = ['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE'];

export async function envVariables(ctx: CliContext, profile?: string): Promise<Record<string, string>> {
  const { token } = await loadOrCreateToken(ctx.paths.home, ctx.paths.token);
  const info = await loadDaemonInfo(ctx.paths.daemonInfo);
  const port = info?.port ?? portFromEnv(ctx.env);
  const path = ecsPath(profile);
  return {
    AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${port}${path}`,
    AWS_CONTAINER_AUTHORIZATION_TOKEN: tokenFor(token, profile),
  };
}

/**
 * `eval "$(credd env)"`: points the SDKs' container provider at the daemon. No keys are
 * printed, only the URL and the daemon's token. With a profile the URL is pinned to it and
 * the region is that profile's; without, the region follows `credd switch` at each prompt.
 */
export async function runEnv(input: EnvInput, ctx: CliContext): Promise<void> {
  const profile = input.profile === undefined ? undefined : validProfileName(input.profile);
  const kind = shellKind(input.shell ?? (input.hook === 'fish' ? 'fish' : undefined));
  // Refused before anything is printed: half of the output in an `eval` would be worse.
  const hook = input.hook === undefined ? undefined : hookShell(input.hook, kind);
  if (input.imds === true) {
    if (profile !== undefined) throw new CreddError('ImdsFollowsActive', 'The IMDS endpoint always serves the active profile; run `credd env --imds` without a profile.');
    ctx.out.write(await imdsLines(ctx));
    await warnAboutPort(ctx);
    return;
  }
  const vars = await envVariables(ctx, profile);
  await warnAboutPort(ctx);
  const pinnedRegion = profile === undefined ? {} : await regionVariablesFor(ctx.configFile, profile, ctx.env);
  const lines = [
    ...exportLines(kind, SHADOWING, { ...vars, ...pinnedRegion }),
    ...(profile === undefined ? regionFollower(kind, activeRegionFile(ctx.paths.home)) : []),
  ];
  ctx.out.write(`${lines.join('\n')}\n`);
  if (hook !== undefined) {
    ctx.out.write(promptHook(hook, hookFiles(ctx.paths)));
  }
  if (profile !== undefined) await warm(ctx, profile);
}

/**
 * IMDS lines. The trailing slash matters: older AWS CLIs glue paths straight onto it.
 * Proxies must be bypassed for loopback, or HTTP_PROXY users send the request away.
 */
async function imdsLines(ctx: CliContext): Promise<string> {
  const info = await loadDaemonInfo(ctx.paths.daemonInfo);
  const port = info?.port ?? portFromEnv(ctx.env);
  const existing = `${ctx.env['NO_PROXY'] ?? ''},${ctx.env['no_proxy'] ?? ''}`.split(',').map((h) => h.trim());
  const noProxy = shellQuote([...new Set([...existing, '127.0.0.1', 'localhost'].filter((h) => h !== ''))].join(','));
  return [
    `unset AWS_EC2_METADATA_DISABLED`,
    `export AWS_EC2_METADATA_SERVICE_ENDPOINT=${shellQuote(`http://127.0.0.1:${port}/`)}`,
    `export AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE='IPv4'`,
    `export NO_PROXY=${noProxy} no_proxy=${noProxy}`,
    '',
  ].join('\n');
}

/** Best effort: fetch the pinned profile now so the first SDK call is served from cache. */
async function warm(ctx: CliContext, profile: string): Promise<void> {
  try {
    await ctx.daemon.post<SwitchResult>(ROUTES.control.prime, { profile });
  } catch (err) {
    ctx.err.write(`credd: ${terminalText(errorMessage(err))}\n`);
  }
}

export function registerEnv(program: Command, ctx: () => CliContext): void {
  program
    .command('env')
    .description('print shell lines that point AWS SDKs and the CLI at credd: eval "$(credd env)"')
    .argument('[profile]', 'pin this shell to one profile instead of following `credd switch`')
    .option('--imds', 'print the EC2 instance metadata (IMDSv2) endpoint instead, for programs that only speak IMDS', false)
    .option('--hook [shell]', 'also print a prompt hook (bash, zsh or fish; default: the running shell) that shows when credd needs an MFA code or is not running')
    .option('--shell <shell>', 'print code for this shell: bash, zsh, sh or fish (default: the running shell; fish: credd env --shell fish | source)')
    .action((profile: string | undefined, opts: { imds: boolean; hook?: string | true; shell?: string }) =>
      runEnv(
        { ...(profile !== undefined && { profile }), imds: opts.imds, ...(opts.hook !== undefined && { hook: opts.hook }), ...(opts.shell !== undefined && { shell: opts.shell }) },
        ctx(),
      ),
    );
}
