import type { TemporaryCredentials } from '../domain/credentials.js';
import { ActionRequiredError, errorMessage, StsError } from '../domain/errors.js';
import type { Clock, SsoCredentialSource } from '../domain/ports.js';
import type { SsoProfile } from '../domain/profile.js';
import { awsTimestamp } from '../domain/aws-time.js';
import { systemClock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { cacheKeyOf, readToken, tokenCacheFile, writeToken, type SsoToken } from './sso-token-cache.js';

/** Refresh the sign-in token this long before it ends (botocore uses the same window). */
const REFRESH_WINDOW_MS = 15 * 60_000;

export function ssoLoginRequired(profile: SsoProfile, why: string): ActionRequiredError {
  return new ActionRequiredError('SsoLoginRequired', `Profile "${profile.name}" ${why}; run: credd login ${profile.name}`, {
    profile: profile.name,
    startUrl: profile.startUrl,
    ...(profile.ssoSession !== undefined && { ssoSession: profile.ssoSession }),
  });
}

/**
 * Role credentials through IAM Identity Center with the sign-in the AWS CLI v2 would use:
 * same token cache file, refreshed with the refresh token before it ends.
 */
export class SsoCredentials implements SsoCredentialSource {
  private readonly refreshing = new Map<string, Promise<SsoToken>>();

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly logger: Logger,
    private readonly clock: Pick<Clock, 'now'> = systemClock,
  ) {}

  async roleCredentials(profile: SsoProfile): Promise<TemporaryCredentials> {
    const token = await this.validToken(profile);
    try {
      // The SSO clients are loaded only when a profile needs them: most daemons never do.
      const { getRoleCredentials } = await import('./sso-client.js');
      return await getRoleCredentials(this.env, { region: profile.ssoRegion, accessToken: token.accessToken, accountId: profile.accountId, roleName: profile.roleName });
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name === 'UnauthorizedException') throw ssoLoginRequired(profile, 'needs a new IAM Identity Center sign-in (the portal no longer accepts the token)');
      if (name === 'ForbiddenException') throw new StsError('AccessDenied', `Profile "${profile.name}": IAM Identity Center does not give you role ${profile.roleName} in account ${profile.accountId}.`);
      if (name === 'TooManyRequestsException') throw new StsError('Throttling', `Profile "${profile.name}": IAM Identity Center is throttling; credd will retry.`);
      throw new StsError('Unknown', `Profile "${profile.name}": IAM Identity Center GetRoleCredentials failed: ${errorMessage(err)}`);
    }
  }

  private async validToken(profile: SsoProfile): Promise<SsoToken> {
    const file = tokenCacheFile(this.env, cacheKeyOf(profile));
    const token = await readToken(file);
    if (!token) throw ssoLoginRequired(profile, 'needs an IAM Identity Center sign-in');
    const left = Date.parse(token.expiresAt) - this.clock.now();
    if (left > REFRESH_WINDOW_MS) return token;
    const canRefresh =
      token.refreshToken !== undefined &&
      token.clientId !== undefined &&
      token.clientSecret !== undefined &&
      (token.registrationExpiresAt === undefined || Date.parse(token.registrationExpiresAt) > this.clock.now());
    if (canRefresh) {
      try {
        return await this.refresh(file, token, profile);
      } catch (err) {
        this.logger.warn({ profile: profile.name, err: errorMessage(err) }, 'could not refresh the IAM Identity Center token');
        if (left > 60_000) return token;
      }
    }
    // A token that cannot be refreshed is still good until its last minute.
    if (left > 60_000) return token;
    throw ssoLoginRequired(profile, 'needs a new IAM Identity Center sign-in: the sign-in has ended');
  }

  /** One refresh per cache file at a time; the new token goes back into the shared cache. */
  private refresh(file: string, token: SsoToken, profile: SsoProfile): Promise<SsoToken> {
    const running = this.refreshing.get(file);
    if (running) return running;
    const run = (async () => {
      const { createToken } = await import('./sso-client.js');
      const out = await createToken(profile.ssoRegion, this.env, {
        clientId: token.clientId ?? '',
        clientSecret: token.clientSecret ?? '',
        refreshToken: token.refreshToken ?? '',
      });
      if (!out.accessToken || out.expiresIn === undefined) throw new Error('CreateToken answered without a token');
      const next: SsoToken = {
        ...token,
        accessToken: out.accessToken,
        expiresAt: awsTimestamp(new Date(this.clock.now() + out.expiresIn * 1000)),
        ...(out.refreshToken !== undefined && { refreshToken: out.refreshToken }),
      };
      await writeToken(file, next);
      this.logger.info({ profile: profile.name, expiresAt: next.expiresAt }, 'IAM Identity Center token refreshed');
      return next;
    })().finally(() => this.refreshing.delete(file));
    this.refreshing.set(file, run);
    return run;
  }
}
