import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, GetSessionTokenCommand, STSClient, type Credentials } from '@aws-sdk/client-sts';
import type { TemporaryCredentials } from '../domain/credentials.js';
import { StsError } from '../domain/errors.js';
import type { AssumeRoleInput, AssumeRoleWithWebIdentityInput, GetSessionTokenInput, StsGateway } from '../domain/ports.js';
import { awsRequestHandler, callAws, signingCredentials } from './aws-http.js';

export interface SdkStsGatewayOptions {
  /** Per-attempt timeout; the SDK retries throttling and 5xx itself (3 attempts). */
  requestTimeoutMs?: number;
  /** Where the proxy variables come from (default: this process's environment). */
  env?: NodeJS.ProcessEnv;
}

/** STS over the AWS SDK: signs with whatever credentials the broker hands over. */
export class SdkStsGateway implements StsGateway {
  private readonly timeoutMs: number;
  private readonly env: NodeJS.ProcessEnv | undefined;

  constructor(opts: SdkStsGatewayOptions = {}) {
    this.timeoutMs = opts.requestTimeoutMs ?? 10_000;
    this.env = opts.env;
  }

  async assumeRole(input: AssumeRoleInput): Promise<TemporaryCredentials> {
    const client = this.client(input.region, input.endpoint, input.credentials);
    const out = await callAws(() =>
      client.send(
        new AssumeRoleCommand({
          RoleArn: input.roleArn,
          RoleSessionName: input.roleSessionName,
          ...(input.durationSeconds !== undefined && { DurationSeconds: input.durationSeconds }),
          ...(input.externalId !== undefined && { ExternalId: input.externalId }),
          ...(input.serialNumber !== undefined && { SerialNumber: input.serialNumber }),
          ...(input.tokenCode !== undefined && { TokenCode: input.tokenCode }),
          ...(input.policy !== undefined && { Policy: input.policy }),
          ...(input.policyArns !== undefined && { PolicyArns: input.policyArns.map((arn) => ({ arn })) }),
          ...(input.sourceIdentity !== undefined && { SourceIdentity: input.sourceIdentity }),
          ...(input.tags !== undefined && { Tags: input.tags.map((t) => ({ Key: t.key, Value: t.value })) }),
          ...(input.transitiveTagKeys !== undefined && { TransitiveTagKeys: input.transitiveTagKeys }),
        }),
      ),
    );
    const arn = out.AssumedRoleUser?.Arn;
    return toTemporary(out.Credentials, arn);
  }

  async getSessionToken(input: GetSessionTokenInput): Promise<TemporaryCredentials> {
    const client = this.client(input.region, input.endpoint, input.key);
    const out = await callAws(() =>
      client.send(
        new GetSessionTokenCommand({
          ...(input.durationSeconds !== undefined && { DurationSeconds: input.durationSeconds }),
          ...(input.serialNumber !== undefined && { SerialNumber: input.serialNumber }),
          ...(input.tokenCode !== undefined && { TokenCode: input.tokenCode }),
        }),
      ),
    );
    return toTemporary(out.Credentials, undefined);
  }

  async assumeRoleWithWebIdentity(input: AssumeRoleWithWebIdentityInput): Promise<TemporaryCredentials> {
    const client = this.client(input.region, input.endpoint, undefined);
    const out = await callAws(() =>
      client.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: input.roleArn,
          RoleSessionName: input.roleSessionName,
          WebIdentityToken: input.webIdentityToken,
          ...(input.durationSeconds !== undefined && { DurationSeconds: input.durationSeconds }),
        }),
      ),
    );
    return toTemporary(out.Credentials, out.AssumedRoleUser?.Arn);
  }

  /** Without credentials the call goes unsigned; the client must never look for any of its own (that could be credd itself). */
  private client(region: string, endpoint: string | undefined, credentials: AssumeRoleInput['credentials'] | undefined): STSClient {
    return new STSClient({
      region,
      ...(endpoint !== undefined && { endpoint }),
      credentials:
        credentials === undefined
          ? () => Promise.reject(new StsError('Unknown', 'An unsigned STS call asked for credentials.'))
          : signingCredentials(credentials),
      maxAttempts: 3,
      requestHandler: awsRequestHandler({ timeoutMs: this.timeoutMs, ...(this.env !== undefined && { env: this.env }) }),
    });
  }
}

function toTemporary(c: Credentials | undefined, arn: string | undefined): TemporaryCredentials {
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
    throw new StsError('ServiceError', 'STS answered without complete credentials.');
  }
  const accountId = arn ? /^arn:[^:]+:sts::(\d{12}):/.exec(arn)?.[1] : undefined;
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: new Date(c.Expiration),
    ...(accountId !== undefined && { accountId }),
    ...(arn !== undefined && { assumedRoleArn: arn }),
  };
}
