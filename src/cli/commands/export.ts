import type { Command } from 'commander';
import { CreddError } from '../../domain/errors.js';
import type { ExportedCredentials } from '../../protocol/control-api.js';
import type { CliContext } from '../cli-context.js';
import { withUserAction } from '../mfa-prompt.js';
import { shellQuote } from '../shell-hook.js';
import { PROFILE_ARG, validProfileName } from './profile-name.js';
import { ROUTES } from '../../protocol/routes.js';

export interface ExportInput {
  profile: string;
  format: string;
  mfaCode?: string;
}

/** Credentials of PROFILE from the daemon's cache (an MFA prompt only on a terminal). */
export async function fetchCredentials(ctx: CliContext, profile: string, mfaCode?: string): Promise<ExportedCredentials> {
  return withUserAction(ctx, profile, () => ctx.daemon.post<ExportedCredentials>(ROUTES.control.credentials, { profile }), {
    ...(mfaCode !== undefined && { code: mfaCode }),
    interactive: ctx.prompt.interactive,
  });
}

/**
 * `json` is the credential_process format, so `credential_process = credd export PROFILE`
 * works for tools that want it; `env` prints export lines (plain keys: for tools that
 * can use nothing else).
 */
export async function runExport(input: ExportInput, ctx: CliContext): Promise<void> {
  const profile = validProfileName(input.profile);
  if (input.format !== 'json' && input.format !== 'env') throw new CreddError('UnknownFormat', `--format takes json or env, not "${input.format}".`);
  const c = await fetchCredentials(ctx, profile, input.mfaCode);
  if (input.format === 'json') {
    ctx.out.write(`${JSON.stringify({ Version: 1, AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, SessionToken: c.sessionToken, Expiration: c.expiration })}\n`);
    return;
  }
  const vars: Array<[string, string]> = [
    ['AWS_ACCESS_KEY_ID', c.accessKeyId],
    ['AWS_SECRET_ACCESS_KEY', c.secretAccessKey],
    ['AWS_SESSION_TOKEN', c.sessionToken],
    ['AWS_CREDENTIAL_EXPIRATION', c.expiration],
    ...(c.region !== undefined ? ([['AWS_REGION', c.region]] as Array<[string, string]>) : []),
  ];
  ctx.out.write(`${vars.map(([k, v]) => `export ${k}=${shellQuote(v)}`).join('\n')}\n`);
}

export function registerExport(program: Command, ctx: () => CliContext): void {
  program
    .command('export')
    .description('print PROFILE\'s temporary credentials: --format json is credential_process output, env is export lines')
    .argument(PROFILE_ARG, 'profile from ~/.aws/config')
    .option('--format <format>', 'json (credential_process, Version 1) or env', 'json')
    .option('--mfa-code <code>', 'MFA code, when the profile needs one and no session is cached')
    .action((profile: string, opts: { format: string; mfaCode?: string }) =>
      runExport({ profile, format: opts.format, ...(opts.mfaCode !== undefined && { mfaCode: opts.mfaCode }) }, ctx()),
    );
}
