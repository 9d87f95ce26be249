import { CreddError } from '../domain/errors.js';
import type { MfaLoginResult } from '../protocol/control-api.js';
import type { CliContext } from './cli-context.js';
import { ROUTES } from '../protocol/routes.js';
import { isMfaCode, MFA_CODE_SHAPE } from '../domain/mfa-code.js';
import { terminalText } from '../platform/terminal-text.js';

const REFUSED = new Set(['StsMfaInvalid', 'InvalidMfaCode']);

/**
 * Asks for an MFA code in the terminal (or takes `--mfa-code`, or a line of stdin when it is
 * not a terminal) and hands it to the daemon, which starts the session. On a terminal a
 * refused code gets a new prompt, a few times.
 */
export async function enterMfaCode(ctx: CliContext, profile: string, serial: string, given?: string): Promise<MfaLoginResult> {
  const tries = given === undefined && ctx.prompt.interactive ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const code = (given ?? (await askCode(ctx, serial))).trim();
    try {
      if (!isMfaCode(code)) throw new CreddError('InvalidMfaCode', MFA_CODE_SHAPE);
      return await ctx.daemon.post<MfaLoginResult>(ROUTES.control.mfa, { profile, code });
    } catch (err) {
      if (!(err instanceof CreddError) || !REFUSED.has(err.code) || attempt >= tries) throw err;
      ctx.err.write(`${terminalText(err.message)} Try again.\n`);
    }
  }
}

/** On a terminal the code is asked; piped stdin may carry it; with neither, say how to give it. */
async function askCode(ctx: CliContext, serial: string): Promise<string> {
  try {
    return await ctx.prompt.ask(`MFA code for ${serial}: `, { secret: true });
  } catch (err) {
    if (err instanceof CreddError && err.code === 'InputEnded') throw new CreddError('MfaCodeNeeded', `MFA code needed for ${serial}: pass --mfa-code (stdin is not a terminal).`);
    throw err;
  }
}

/**
 * Runs a daemon request; when it answers that the user must act — MfaRequired (ask for the
 * code) or SsoLoginRequired (sign in here) — does that (if allowed) and runs the request once more. `interactive: false` turns the need into the error itself.
 */
export async function withUserAction<T>(ctx: CliContext, profile: string, request: () => Promise<T>, opts: { code?: string; interactive?: boolean } = {}): Promise<T> {
  try {
    return await request();
  } catch (err) {
    if (err instanceof CreddError && err.code === 'SsoLoginRequired' && opts.interactive !== false) {
      // The same terminal-first habit for IAM Identity Center: sign in here, then go on.
      const { ssoLogin, ssoTarget } = await import('./sso-login.js');
      await ssoLogin(ctx, await ssoTarget(ctx, profile, undefined));
      return request();
    }
    const serial = err instanceof CreddError && err.code === 'MfaRequired' ? err.details?.['serial'] : undefined;
    if (serial === undefined || (opts.interactive === false && opts.code === undefined)) throw err;
    await enterMfaCode(ctx, profile, serial, opts.code);
    return request();
  }
}
