import type { TemporaryCredentials } from '../domain/credentials.js';
import { ActionRequiredError, errorMessage, StsError } from '../domain/errors.js';
import type { LoginCredentialSource } from '../domain/ports.js';
import type { LoginProfile } from '../domain/profile.js';
import { awsRequestHandler } from './aws-http.js';

export function loginRequired(profile: LoginProfile, why: string): ActionRequiredError {
  return new ActionRequiredError('LoginRequired', `Profile "${profile.name}" ${why}; run: aws login --profile ${profile.name}`, { profile: profile.name });
}

/**
 * `aws login` sessions through the SDK's own login provider: it reads the AWS CLI's login
 * cache (AWS_LOGIN_CACHE_DIRECTORY, else ~/.aws/login/cache), refreshes the short-lived
 * credentials with the refresh token and its DPoP key, and writes the cache back, so the
 * AWS CLI and credd share one sign-in.
 */
export class LoginCredentials implements LoginCredentialSource {
  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly files: { configFile: string; credentialsFile: string },
  ) {}

  async credentials(profile: LoginProfile): Promise<TemporaryCredentials> {
    const endpoint = this.env['AWS_ENDPOINT_URL_SIGNIN'] || this.env['AWS_ENDPOINT_URL'] || undefined;
    // Loaded only when an `aws login` profile is used: most daemons never need it.
    const { fromLoginCredentials } = await import('@aws-sdk/credential-provider-login');
    const provider = fromLoginCredentials({
      profile: profile.name,
      configFilepath: this.files.configFile,
      filepath: this.files.credentialsFile,
      // The proxy variables too: the SDK's own handler ignores them (aws-http.ts).
      clientConfig: { maxAttempts: 2, requestHandler: awsRequestHandler({ env: this.env }), ...(endpoint !== undefined && { endpoint }) },
    });
    let c: Awaited<ReturnType<typeof provider>>;
    try {
      c = await provider();
    } catch (err) {
      throw explain(profile, errorMessage(err));
    }
    if (!c.sessionToken || !c.expiration) throw new StsError('ServiceError', `Profile "${profile.name}": the aws login session gave incomplete credentials.`);
    return {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      sessionToken: c.sessionToken,
      expiration: c.expiration,
      ...(c.accountId !== undefined && { accountId: c.accountId }),
    };
  }
}

/** The provider's messages, as one sentence with the one thing to do. */
function explain(profile: LoginProfile, message: string): Error {
  const first = message.split('\n')[0] ?? '';
  if (/Failed to load (a )?token/i.test(first)) return loginRequired(profile, 'has no aws login session cached on this machine');
  if (/session has expired/i.test(first)) return loginRequired(profile, 'has an aws login session that has ended');
  if (/change in your password/i.test(first)) return loginRequired(profile, 'has an aws login session that ended when the password changed');
  if (/insufficient permissions/i.test(first)) return new StsError('AccessDenied', `Profile "${profile.name}": the sign-in service refused to refresh the aws login session (missing permission for signin:CreateOAuth2Token).`);
  const cause = first.replace(/^Failed to refresh token: /, '').replace(/\. Please re-?authenticate.*$/i, '').slice(0, 200);
  return loginRequired(profile, `could not refresh its ended aws login session (${cause})`);
}
