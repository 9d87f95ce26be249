import type { TemporaryCredentials } from '../domain/credentials.js';
import { awsTimestamp } from '../domain/aws-time.js';

/** Fixed, plausible answers for the instance fields tools probe; credd is not an instance. */
export const INSTANCE_ID = 'i-0c0ffeec0ffee0001';
export const IMAGE_ID = 'ami-0c0ffeec0ffee0001';
export const INSTANCE_TYPE = 'credd.local';

/** `…/iam/security-credentials/NAME`, as EC2 answers it (Go requires Code=Success). */
export function imdsCredentialsBody(creds: TemporaryCredentials, lastUpdated: Date, extended: boolean): string {
  return JSON.stringify({
    Code: 'Success',
    LastUpdated: awsTimestamp(lastUpdated),
    Type: 'AWS-HMAC',
    AccessKeyId: creds.accessKeyId,
    SecretAccessKey: creds.secretAccessKey,
    Token: creds.sessionToken,
    Expiration: awsTimestamp(creds.expiration),
    ...(extended && creds.accountId !== undefined && { AccountId: creds.accountId }),
  });
}

export function imdsInfoBody(profile: string, accountId: string | undefined, lastUpdated: Date): string {
  return JSON.stringify({
    Code: 'Success',
    LastUpdated: awsTimestamp(lastUpdated),
    InstanceProfileArn: `arn:aws:iam::${accountId ?? '000000000000'}:instance-profile/${profile}`,
    InstanceProfileId: 'AIPAC0FFEEC0FFEEC0FFE',
  });
}

export function instanceIdentityDocument(region: string, accountId: string | undefined, startedAt: Date): string {
  return JSON.stringify(
    {
      accountId: accountId ?? '000000000000',
      architecture: process.arch === 'arm64' ? 'arm64' : 'x86_64',
      availabilityZone: `${region}a`,
      billingProducts: null,
      devpayProductCodes: null,
      marketplaceProductCodes: null,
      imageId: IMAGE_ID,
      instanceId: INSTANCE_ID,
      instanceType: INSTANCE_TYPE,
      kernelId: null,
      pendingTime: awsTimestamp(startedAt),
      privateIp: '127.0.0.1',
      ramdiskId: null,
      region,
      version: '2017-09-30',
    },
    null,
    2,
  );
}
