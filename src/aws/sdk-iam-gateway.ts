import { CreateAccessKeyCommand, DeleteAccessKeyCommand, IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { LongTermKey, SigningCredentials } from '../domain/credentials.js';
import { StsError } from '../domain/errors.js';
import type { AccessKeyInfo, IamGateway, IdentityCheck } from '../domain/ports.js';
import { awsRequestHandler, callAws, signingCredentials } from './aws-http.js';

export interface AwsEndpoints {
  region: string;
  iamEndpoint?: string;
  stsEndpoint?: string;
}

/** IAM key management over the AWS SDK. Errors become StsError-style sentences (same AWS error shapes). */
export class SdkIamGateway implements IamGateway {
  constructor(private readonly endpoints: AwsEndpoints) {}

  private client(c: SigningCredentials): IAMClient {
    return new IAMClient({
      region: this.endpoints.region,
      ...(this.endpoints.iamEndpoint !== undefined && { endpoint: this.endpoints.iamEndpoint }),
      credentials: signingCredentials(c),
      maxAttempts: 3,
      requestHandler: awsRequestHandler(),
    });
  }

  async listAccessKeys(c: SigningCredentials): Promise<AccessKeyInfo[]> {
    const out = await callAws(() => this.client(c).send(new ListAccessKeysCommand({})));
    return (out.AccessKeyMetadata ?? []).map((k) => ({ accessKeyId: k.AccessKeyId ?? '', status: k.Status ?? 'Unknown' }));
  }

  async createAccessKey(c: SigningCredentials): Promise<LongTermKey> {
    const out = await callAws(() => this.client(c).send(new CreateAccessKeyCommand({})));
    const k = out.AccessKey;
    if (!k?.AccessKeyId || !k.SecretAccessKey) throw new StsError('ServiceError', 'IAM answered CreateAccessKey without a key.');
    return { accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey };
  }

  async deleteAccessKey(c: SigningCredentials, accessKeyId: string): Promise<void> {
    await callAws(() => this.client(c).send(new DeleteAccessKeyCommand({ AccessKeyId: accessKeyId })));
  }
}

export function stsIdentityCheck(endpoints: AwsEndpoints): IdentityCheck {
  return async (c) => {
    const client = new STSClient({
      region: endpoints.region,
      ...(endpoints.stsEndpoint !== undefined && { endpoint: endpoints.stsEndpoint }),
      credentials: signingCredentials(c),
      maxAttempts: 1,
      requestHandler: awsRequestHandler(),
    });
    const out = await callAws(() => client.send(new GetCallerIdentityCommand({})));
    return { arn: out.Arn ?? '', account: out.Account ?? '' };
  };
}
