import { spawn } from 'node:child_process';
import { childEnv } from '../platform/child-env.js';
import { loadAwsConfig } from '../config/aws-config.js';
import { resolveProfile } from '../config/resolve-profile.js';
import { awsTimestamp } from '../domain/aws-time.js';
import { CreddError, errorMessage } from '../domain/errors.js';
import { rootOf, type SsoProfile } from '../domain/profile.js';
import { createToken, registerClient, startDeviceAuthorization } from '../aws/sso-client.js';
import { cacheKeyOf, readToken, tokenCacheFile, writeToken, type SsoToken } from '../aws/sso-token-cache.js';
import type { CliContext } from './cli-context.js';
import { ROUTES } from '../protocol/routes.js';
import { terminalText } from '../platform/terminal-text.js';

export interface LoginOptions {
  /** Open the verification page in a browser (default: where one is likely). */
  browser?: boolean;
  sleep?: (ms: number) => Promise<void>;
}

/** An SSO profile from its name, or a stand-in for `--sso-session NAME`. */
export async function ssoTarget(ctx: CliContext, profile: string | undefined, session: string | undefined): Promise<SsoProfile> {
  const config = await loadAwsConfig(ctx.configFile);
  if (session !== undefined) {
    const s = config.ssoSessions.get(session);
    if (!s) throw new CreddError('NoSuchSession', `There is no [sso-session ${session}] in ${config.file}.`);
    const startUrl = s['sso_start_url'] ?? '';
    const ssoRegion = s['sso_region'] ?? '';
    if (!/^https:\/\/\S+$/.test(startUrl) || !/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(ssoRegion)) {
      throw new CreddError('ConfigError', `[sso-session ${session}] in ${config.file} needs an https sso_start_url and an sso_region.`);
    }
    return { kind: 'sso', name: session, ssoSession: session, startUrl, ssoRegion, registrationScopes: (s['sso_registration_scopes'] ?? 'sso:account:access').split(',').map((x) => x.trim()), accountId: '', roleName: '', region: s['sso_region'] ?? 'us-east-1' };
  }
  if (profile === undefined) throw new CreddError('NoTarget', 'Name a profile or --sso-session to sign in to.');
  const root = rootOf(resolveProfile(config, profile, ctx.env));
  if (root.kind !== 'sso') throw new CreddError('NotSso', `Profile "${profile}" does not sign in through IAM Identity Center (no sso_session or sso_start_url in its chain).`);
  return root;
}

function openBrowser(url: string): void {
  const opener = process.platform === 'darwin' ? 'open' : 'xdg-open';
  const child = spawn(opener, [url], { stdio: 'ignore', detached: true, env: childEnv() });
  child.on('error', () => undefined);
  child.unref();
}

/**
 * The OIDC device authorization flow: register (or reuse the cached registration), show the
 * code and the page, poll CreateToken at the interval AWS asks (slower on slow_down), and
 * write the token where `aws sso login` would.
 */
export async function ssoLogin(ctx: CliContext, target: SsoProfile, opts: LoginOptions = {}): Promise<SsoToken> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const file = tokenCacheFile(ctx.env, cacheKeyOf(target));
  const cached = await readToken(file);
  const scopes = target.ssoSession !== undefined ? target.registrationScopes : undefined;
  let clientId = cached?.clientId;
  let clientSecret = cached?.clientSecret;
  let registrationExpiresAt = cached?.registrationExpiresAt;
  if (!clientId || !clientSecret || !registrationExpiresAt || Date.parse(registrationExpiresAt) < ctx.clock.now() + 3_600_000) {
    const reg = await registerClient(target.ssoRegion, ctx.env, scopes);
    clientId = reg.clientId ?? '';
    clientSecret = reg.clientSecret ?? '';
    registrationExpiresAt = awsTimestamp(new Date((reg.clientSecretExpiresAt ?? 0) * 1000));
  }
  const auth = await startDeviceAuthorization(target.ssoRegion, ctx.env, clientId, clientSecret, target.startUrl);
  const page = auth.verificationUriComplete ?? auth.verificationUri ?? '';
  // The URL and code come from the network: each stays on its own line.
  ctx.err.write(`Sign in to IAM Identity Center (${terminalText(target.startUrl)}):\n  open ${terminalText(page)}\n  and confirm the code ${terminalText(auth.userCode ?? '')}\n`);
  const wantBrowser = opts.browser ?? (process.platform === 'darwin' || (ctx.env['DISPLAY'] ?? ctx.env['WAYLAND_DISPLAY'] ?? '') !== '');
  if (wantBrowser && page !== '') openBrowser(page);
  let interval = (auth.interval ?? 5) * 1000;
  const deadline = ctx.clock.now() + (auth.expiresIn ?? 600) * 1000;
  for (;;) {
    await sleep(interval);
    try {
      const out = await createToken(target.ssoRegion, ctx.env, { clientId, clientSecret, deviceCode: auth.deviceCode ?? '' });
      const token: SsoToken = {
        startUrl: target.startUrl,
        region: target.ssoRegion,
        accessToken: out.accessToken ?? '',
        expiresAt: awsTimestamp(new Date(ctx.clock.now() + (out.expiresIn ?? 0) * 1000)),
        clientId,
        clientSecret,
        registrationExpiresAt,
        ...(out.refreshToken !== undefined && { refreshToken: out.refreshToken }),
      };
      await writeToken(file, token);
      // Requests that were told to sign in may go again at once; the prompt notice clears.
      await ctx.daemon.post(ROUTES.control.recheck).catch(() => undefined);
      ctx.err.write(`Signed in; the token is valid until ${token.expiresAt} (shared with the AWS CLI: ${file}).\n`);
      return token;
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name === 'AuthorizationPendingException' && ctx.clock.now() < deadline) continue;
      if (name === 'SlowDownException' && ctx.clock.now() < deadline) {
        interval += 5_000;
        continue;
      }
      if (name === 'ExpiredTokenException' || ctx.clock.now() >= deadline) throw new CreddError('SsoLoginExpired', 'The sign-in code expired before it was confirmed; run credd login again.');
      if (name === 'AccessDeniedException') throw new CreddError('SsoLoginDenied', 'The sign-in was denied in the browser.');
      throw new CreddError('SsoLoginFailed', `IAM Identity Center sign-in failed: ${errorMessage(err)}`);
    }
  }
}
