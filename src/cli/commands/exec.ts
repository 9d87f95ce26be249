import { spawn } from 'node:child_process';
import os from 'node:os';
import type { Command } from 'commander';
import { regionVariablesFor } from '../../config/profile-region.js';
import { CreddError } from '../../domain/errors.js';
import { childEnv } from '../../platform/child-env.js';
import type { SwitchResult } from '../../protocol/control-api.js';
import type { CliContext } from '../cli-context.js';
import { withUserAction } from '../mfa-prompt.js';
import { envVariables } from './env.js';
import { fetchCredentials } from './export.js';
import { PROFILE_ARG, validProfileName } from './profile-name.js';
import { isEmptyRequest, type ScopeRequest } from '../../domain/session-scope.js';
import { addScopeFlags, checkNamedScope, needsLease, openLease, scopeRequestFromFlags, type ScopeFlags } from '../scope-flags.js';
import { ROUTES } from '../../protocol/routes.js';

export interface ExecInput {
  profile: string;
  command: string[];
  /** Give the child plain keys instead of the endpoint (for tools that cannot use it). */
  envKeys: boolean;
  mfaCode?: string;
  /** Session policies and a session-name label for the command (credd exec --policy …). */
  scope?: ScopeRequest;
}

/** Variables that would make the child use something other than the pinned endpoint. */
const CLEARED = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
];

/** Builds the child's environment: pinned to PROFILE through the daemon, never its long-term key. */
export async function execEnvironment(input: ExecInput, ctx: CliContext, onLease?: (release: () => Promise<void>) => void): Promise<NodeJS.ProcessEnv> {
  const profile = validProfileName(input.profile);
  if (input.envKeys && input.scope !== undefined && !isEmptyRequest(input.scope)) {
    throw new CreddError('ScopeWithEnvKeys', '--env-keys cannot be combined with --as, --policy, --policy-arn or --session-name-suffix: down-scoped credentials are served only through the endpoint.');
  }
  if (input.scope !== undefined) await checkNamedScope(ctx, profile, input.scope);
  const already = ctx.env['CREDD_PROFILE'];
  if (already !== undefined && already !== '') {
    throw new CreddError('NestedExec', `This shell already runs under credd exec for "${already}"; exit it first (or unset CREDD_PROFILE) instead of nesting.`);
  }
  const env: NodeJS.ProcessEnv = childEnv(ctx.env);
  for (const k of CLEARED) delete env[k];
  env['CREDD_PROFILE'] = profile;
  if (input.envKeys) {
    const c = await fetchCredentials(ctx, profile, input.mfaCode);
    ctx.err.write(`credd: warning: giving "${input.command[0] ?? 'the command'}" plain temporary keys for ${profile} (until ${c.expiration}); they will not refresh and are visible in its environment.\n`);
    Object.assign(env, { AWS_ACCESS_KEY_ID: c.accessKeyId, AWS_SECRET_ACCESS_KEY: c.secretAccessKey, AWS_SESSION_TOKEN: c.sessionToken, AWS_CREDENTIAL_EXPIRATION: c.expiration });
    for (const k of ['AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN']) delete env[k];
  } else if (input.scope !== undefined && (await needsLease(ctx, profile, input.scope))) {
    const { vars, release } = await openLease(ctx, profile, input.scope, input.mfaCode);
    onLease?.(release);
    Object.assign(env, vars);
  } else {
    // Warm the cache (asking for an MFA code here, in the terminal) so the child's first call is instant.
    await withUserAction(ctx, profile, () => ctx.daemon.post<SwitchResult>(ROUTES.control.prime, { profile }), {
      ...(input.mfaCode !== undefined && { code: input.mfaCode }),
      // Never read a code from stdin here: that input belongs to the command.
      interactive: ctx.prompt.interactive,
    });
    Object.assign(env, await envVariables(ctx, profile));
  }
  // The profile's region (or the nearest up its chain, or the user's own): the AWS CLI needs one.
  Object.assign(env, await regionVariablesFor(ctx.configFile, profile, ctx.env));
  return env;
}


/** Runs the command with the container endpoint pinned to PROFILE; its exit code and signals pass through. */
export async function runExec(input: ExecInput, ctx: CliContext): Promise<number> {
  let release: (() => Promise<void>) | undefined;
  const env = await execEnvironment(input, ctx, (r) => (release = r));
  // The child's down-scoped token stops working as soon as the child is gone.
  const ended = async (): Promise<void> => release?.();
  const [cmd, ...args] = input.command.length > 0 ? input.command : [ctx.env['SHELL'] ?? '/bin/sh'];
  const child = spawn(cmd ?? '/bin/sh', args, { env, stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const).map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  return new Promise((resolve, reject) => {
    child.on('error', (err) => void ended().then(() => reject(new CreddError('ExecFailed', `Could not run "${cmd}": ${err.message}`))));
    child.on('exit', (code, signal) => {
      for (const [s, h] of handlers) process.off(s, h);
      // A child killed by a signal: exit as a shell would (128 + signal number).
      void ended().then(() => resolve(signal ? 128 + (os.constants.signals[signal] ?? 1) : (code ?? 1)));
    });
  });
}


export function registerExec(program: Command, ctx: () => CliContext): void {
  const command = program
    .command('exec')
    .description('run a command (default: your shell) with credentials of PROFILE through the daemon: credd exec admin -- terraform plan')
    .argument(PROFILE_ARG, 'profile from ~/.aws/config')
    .argument('[command...]', 'the command and its arguments, after -- (so its own options are not read as credd\'s)')
    .option('--env-keys', 'give the command plain AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN instead (they do not refresh)', false)
    .option('--mfa-code <code>', 'MFA code, when the profile needs one and no session is cached');
  addScopeFlags(command).action(async (profile: string, args: string[], opts: { envKeys: boolean; mfaCode?: string } & ScopeFlags) => {
    const scope = await scopeRequestFromFlags(opts, args);
    process.exitCode = await runExec({ profile, command: args, envKeys: opts.envKeys, scope, ...(opts.mfaCode !== undefined && { mfaCode: opts.mfaCode }) }, ctx());
  });
}
