import { AssumeRoleCommand, GetSessionTokenCommand, STSClient, type Credentials } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { TemporaryCredentials } from '../domain/credentials.js';
import { StsError } from '../domain/errors.js';
import type { AssumeRoleInput, GetSessionTokenInput, StsGateway } from '../domain/ports.js';
import { toStsError } from './sts-errors.js';

export interface SdkStsGatewayOptions {
  /** Per-attempt timeout; the SDK retries throttling and 5xx itself (3 attempts). */
  requestTimeoutMs?: number;
}

/** STS over the AWS SDK: signs with whatever credentials the broker hands over. */
export class SdkStsGateway implements StsGateway {
  private readonly timeoutMs: number;

  constructor(opts: SdkStsGatewayOptions = {}) {
    this.timeoutMs = opts.requestTimeoutMs ?? 10_000;
  }

  async assumeRole(input: AssumeRoleInput): Promise<TemporaryCredentials> {
    const client = this.client(input.region, input.endpoint, input.credentials);
    const out = await send(() =>
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
    const out = await send(() =>
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

  private client(region: string, endpoint: string | undefined, credentials: AssumeRoleInput['credentials']): STSClient {
    return new STSClient({
      region,
      ...(endpoint !== undefined && { endpoint }),
      credentials: {
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
        ...(credentials.sessionToken !== undefined && { sessionToken: credentials.sessionToken }),
      },
      maxAttempts: 3,
      requestHandler: new NodeHttpHandler({ connectionTimeout: this.timeoutMs, requestTimeout: this.timeoutMs }),
    });
  }
}

async function send<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toStsError(err);
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
