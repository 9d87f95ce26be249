import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { CreddError, errorMessage } from '../../domain/errors.js';
import { childEnv } from '../../platform/child-env.js';
import { ensurePrivateDir } from '../../platform/private-files.js';
import { writeFileAtomic } from '../../platform/write-file-atomic.js';
import { proxiedFetch } from '../../aws/proxied-fetch.js';
import type { DaemonStatus } from '../../protocol/control-api.js';
import type { CliContext } from '../cli-context.js';
import { fetchCredentials } from './export.js';
import { validProfileName } from './profile-name.js';
import { ROUTES } from '../../protocol/routes.js';

export interface ConsoleInput {
  profile?: string;
  open: boolean;
  destination?: string;
  mfaCode?: string;
}

function partitionOf(region: string | undefined): { federation: string; console: string } {
  if (region?.startsWith('cn-')) return { federation: 'https://signin.amazonaws.cn/federation', console: 'https://console.amazonaws.cn/' };
  if (region?.startsWith('us-gov-')) return { federation: 'https://signin.amazonaws-us-gov.com/federation', console: 'https://console.amazonaws-us-gov.com/' };
  return { federation: 'https://signin.aws.amazon.com/federation', console: 'https://console.aws.amazon.com/' };
}

/**
 * A console sign-in URL for PROFILE's role session through the federation endpoint
 * (getSigninToken, then Action=login). CREDD_FEDERATION_ENDPOINT overrides the endpoint.
 */
export async function consoleUrl(input: ConsoleInput, ctx: CliContext, fetchImpl: typeof fetch = proxiedFetch(ctx.env)): Promise<string> {
  const profile = validProfileName(input.profile ?? (await ctx.daemon.get<DaemonStatus>(ROUTES.control.status)).activeProfile ?? '');
  const c = await fetchCredentials(ctx, profile, input.mfaCode);
  if (c.assumedRoleArn === undefined) {
    throw new CreddError('NotARole', `Profile "${profile}" is not a role; the console sign-in works with role credentials (AWS refuses GetSessionToken sessions there).`);
  }
  const partition = partitionOf(c.region);
  const endpoint = ctx.env['CREDD_FEDERATION_ENDPOINT'] || partition.federation;
  // No SessionDuration: the console session then lasts as long as the role credentials do.
  const session = JSON.stringify({ sessionId: c.accessKeyId, sessionKey: c.secretAccessKey, sessionToken: c.sessionToken });
  let token: string | undefined;
  try {
    const res = await fetchImpl(`${endpoint}?Action=getSigninToken&Session=${encodeURIComponent(session)}`, { signal: AbortSignal.timeout(10_000) });
    const body = await res.text();
    if (!res.ok) throw new Error(`HTTP ${res.status}: ${body.slice(0, 200)}`);
    token = (JSON.parse(body) as { SigninToken?: string }).SigninToken;
  } catch (err) {
    throw new CreddError('FederationFailed', `The federation endpoint ${endpoint} did not give a sign-in token: ${errorMessage(err)}`);
  }
  if (!token) throw new CreddError('FederationFailed', `The federation endpoint ${endpoint} answered without a SigninToken.`);
  const destination = input.destination ?? (c.region ? `${partition.console.replace('://', `://${c.region}.`)}console/home?region=${c.region}` : partition.console);
  return `${endpoint}?Action=login&Issuer=${encodeURIComponent('credd')}&Destination=${encodeURIComponent(destination)}&SigninToken=${encodeURIComponent(token)}`;
}

export async function runConsole(input: ConsoleInput, ctx: CliContext): Promise<void> {
  const url = await consoleUrl(input, ctx);
  ctx.out.write(`${url}\n`);
  if (!input.open) return;
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  // The sign-in token must not sit in a process argument (any local user can read argv in
  // ps): the browser is given a 0600 page in the private state dir that redirects to it.
  const page = await redirectPage(ctx, url);
  const child = spawn(opener, [pathToFileURL(page).href], { stdio: 'ignore', detached: true, env: childEnv(ctx.env) });
  child.on('error', () => ctx.err.write(`credd: could not start ${opener}; open the URL above yourself.\n`));
  child.unref();
}

/** One page, replaced at each --open; the sign-in token in it expires 15 minutes after issue anyway. */
async function redirectPage(ctx: CliContext, url: string): Promise<string> {
  await ensurePrivateDir(ctx.paths.home);
  const file = path.join(ctx.paths.home, 'console-signin.html');
  const attr = url.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  await writeFileAtomic(
    file,
    `<!doctype html><meta charset="utf-8"><meta name="referrer" content="no-referrer"><meta http-equiv="refresh" content="0;url=${attr}"><title>credd: AWS console sign-in</title><a href="${attr}">Sign in to the AWS console</a>\n`,
  );
  return file;
}

export function registerConsole(program: Command, ctx: () => CliContext): void {
  program
    .command('console')
    .description('print (and with --open, open) an AWS console sign-in URL for PROFILE (default: the active profile)')
    .argument('[profile]', 'a role profile')
    .option('--open', 'open the URL in the browser', false)
    .option('--destination <url>', 'console page to land on')
    .option('--mfa-code <code>', 'MFA code, when the profile needs one and no session is cached')
    .action((profile: string | undefined, opts: { open: boolean; destination?: string; mfaCode?: string }) =>
      runConsole(
        {
          open: opts.open,
          ...(profile !== undefined && { profile }),
          ...(opts.destination !== undefined && { destination: opts.destination }),
          ...(opts.mfaCode !== undefined && { mfaCode: opts.mfaCode }),
        },
        ctx(),
      ),
    );
}
