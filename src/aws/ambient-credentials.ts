import { fromHttp } from '@aws-sdk/credential-provider-http';
import { fromInstanceMetadata, getInstanceMetadataEndpoint } from '@smithy/credential-provider-imds';
import { CreddError, errorMessage } from '../domain/errors.js';
import type { AmbientCredentialSource, SourceCredentials } from '../domain/ports.js';
import type { AmbientProfile } from '../domain/profile.js';

/** The daemon's surroundings, captured once at start (a daemon's environment never changes). */
export interface AmbientOptions {
  env: NodeJS.ProcessEnv;
  /** The port credd serves credentials on: an endpoint pointing there would ask credd itself. */
  ownPort: () => number | undefined;
  timeoutMs?: number;
}

const ENV_KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CREDENTIAL_EXPIRATION'] as const;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1', '0.0.0.0']);

/**
 * credential_source for role profiles, resolved the way an SDK inside the daemon would:
 * Environment = the daemon's environment at start; EcsContainer and Ec2InstanceMetadata
 * through the SDK's own providers — refused when they lead back to credd.
 */
export class AmbientCredentials implements AmbientCredentialSource {
  private readonly env: Readonly<Record<string, string | undefined>>;

  constructor(private readonly opts: AmbientOptions) {
    this.env = Object.freeze(Object.fromEntries(Object.entries(opts.env)));
  }

  async credentials(profile: AmbientProfile): Promise<SourceCredentials> {
    const what = `Profile "${profile.name}": credential_source ${profile.source}`;
    if (profile.source === 'Environment') return this.fromEnvironment(what);
    const timeout = this.opts.timeoutMs ?? 2_000;
    let provider: () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date; accountId?: string }>;
    if (profile.source === 'EcsContainer') {
      const full = this.env['AWS_CONTAINER_CREDENTIALS_FULL_URI'];
      const relative = this.env['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'];
      if (!full && !relative) throw unavailable(`${what} needs AWS_CONTAINER_CREDENTIALS_FULL_URI or _RELATIVE_URI in the daemon's environment, and neither was set when it started.`);
      if (!relative && full && this.isCredd(full)) throw loop(what, `AWS_CONTAINER_CREDENTIALS_FULL_URI (${full})`);
      provider = fromHttp({
        ...(full !== undefined && { awsContainerCredentialsFullUri: full }),
        ...(relative !== undefined && { awsContainerCredentialsRelativeUri: relative }),
        ...(this.env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] !== undefined && { awsContainerAuthorizationToken: this.env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] }),
        ...(this.env['AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE'] !== undefined && { awsContainerAuthorizationTokenFile: this.env['AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE'] }),
        timeout,
        maxRetries: 1,
      });
    } else {
      // The very endpoint the SDK will ask (environment, config file, IPv4/IPv6 mode).
      const endpoint = await getInstanceMetadataEndpoint();
      const url = `${endpoint.protocol}//${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ''}`;
      if (this.isCredd(url)) throw loop(what, `the instance metadata endpoint (${url})`);
      provider = fromInstanceMetadata({ timeout, maxRetries: 1 });
    }
    try {
      const c = await provider();
      return {
        accessKeyId: c.accessKeyId,
        secretAccessKey: c.secretAccessKey,
        ...(c.sessionToken !== undefined && { sessionToken: c.sessionToken }),
        ...(c.expiration !== undefined && { expiration: c.expiration }),
        ...(c.accountId !== undefined && { accountId: c.accountId }),
      };
    } catch (err) {
      throw unavailable(`${what} gave no credentials: ${errorMessage(err).split('\n')[0]?.slice(0, 200) ?? ''}`);
    }
  }

  private fromEnvironment(what: string): SourceCredentials {
    const [id, secret, token, expires] = ENV_KEYS.map((k) => this.env[k]);
    if (!id || !secret) throw unavailable(`${what} needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the daemon's environment, and they were not set when it started.`);
    const expiration = expires ? new Date(expires) : undefined;
    if (expiration !== undefined && Number.isNaN(expiration.getTime())) throw unavailable(`${what}: AWS_CREDENTIAL_EXPIRATION in the daemon's environment is not an ISO 8601 time.`);
    return { accessKeyId: id, secretAccessKey: secret, ...(token && { sessionToken: token }), ...(expiration !== undefined && { expiration }) };
  }

  private isCredd(raw: string): boolean {
    const port = this.opts.ownPort();
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return false;
    }
    const effective = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    return port !== undefined && LOOPBACK.has(url.hostname) && effective === port;
  }
}

function unavailable(message: string): CreddError {
  return new CreddError('CredentialSourceUnavailable', message);
}

function loop(what: string, where: string): CreddError {
  return new CreddError('CredentialSourceLoop', `${what} would ask credd itself: ${where} in the daemon's environment is this daemon; start the daemon where that endpoint is the real one, or use source_profile.`);
}
