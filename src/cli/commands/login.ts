import fs from 'node:fs/promises';
import type { Command } from 'commander';
import { errorMessage } from '../../domain/errors.js';
import { cacheKeyOf, readToken, tokenCacheFile } from '../../aws/sso-token-cache.js';
import type { CliContext } from '../cli-context.js';
import { ROUTES } from '../../protocol/routes.js';
import { terminalText } from '../../platform/terminal-text.js';

export interface LoginInput {
  profile?: string;
  ssoSession?: string;
  browser?: boolean;
}

/** `credd login`: IAM Identity Center sign-in (device code), shared with `aws sso login`. */
export async function runLogin(input: LoginInput, ctx: CliContext): Promise<void> {
  const { ssoLogin, ssoTarget } = await import('../sso-login.js');
  const target = await ssoTarget(ctx, input.profile, input.ssoSession);
  await ssoLogin(ctx, target, input.browser === undefined ? {} : { browser: input.browser });
}

/** `credd logout`: ends the sign-in at AWS (Logout), deletes the cached token, forgets credentials. */
export async function runLogout(input: LoginInput, ctx: CliContext): Promise<void> {
  const [{ ssoTarget }, { logout }] = await Promise.all([import('../sso-login.js'), import('../../aws/sso-client.js')]);
  const target = await ssoTarget(ctx, input.profile, input.ssoSession);
  const file = tokenCacheFile(ctx.env, cacheKeyOf(target));
  const token = await readToken(file);
  if (token) {
    await logout(target.ssoRegion, ctx.env, token.accessToken).catch((err: unknown) => ctx.err.write(`credd: Logout at AWS failed (${terminalText(errorMessage(err))}); the local token is removed anyway.\n`));
  }
  await fs.rm(file, { force: true });
  if (input.profile !== undefined) await ctx.daemon.post(ROUTES.control.clear, { profile: input.profile }).catch(() => undefined);
  ctx.out.write(token ? `Signed out of ${target.startUrl}.\n` : `Not signed in to ${target.startUrl}.\n`);
}

function register(program: Command, name: 'login' | 'logout', description: string, run: typeof runLogin, ctx: () => CliContext): void {
  const cmd = program
    .command(name)
    .description(description)
    .argument('[profile]', 'an IAM Identity Center profile (or a role whose source is one)')
    .option('--sso-session <name>', 'an [sso-session NAME] instead of a profile');
  if (name === 'login') cmd.option('--no-browser', 'do not open a browser; just print the page and the code');
  cmd.action((profile: string | undefined, opts: { ssoSession?: string; browser?: boolean }) =>
    run(
      {
        ...(profile !== undefined && { profile }),
        ...(opts.ssoSession !== undefined && { ssoSession: opts.ssoSession }),
        ...(opts.browser === false && { browser: false }),
      },
      ctx(),
    ),
  );
}

export function registerLogin(program: Command, ctx: () => CliContext): void {
  register(program, 'login', 'sign in to IAM Identity Center (SSO) for a profile or --sso-session; shares the AWS CLI v2 token cache', runLogin, ctx);
  register(program, 'logout', 'sign out of IAM Identity Center and delete the cached token', runLogout, ctx);
}
