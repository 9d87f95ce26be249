// Direct AWS calls from a test, signed with a key the test names: to check which keys the
// emulator still accepts, and to do what a user would do by hand with the aws CLI.
import { DeleteAccessKeyCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

// The test process runs the SDK itself: no Node-version notice in the test output.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

export interface DirectKey {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

const common = (url: string, key: DirectKey) => ({
  region: 'us-east-1',
  endpoint: url,
  credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, ...(key.sessionToken !== undefined && { sessionToken: key.sessionToken }) },
  maxAttempts: 1,
});

/** GetCallerIdentity with `key` (long-term or temporary): the caller's ARN, or the AWS error code it was refused with. */
export async function callerOf(stsUrl: string, key: DirectKey): Promise<{ arn: string } | { error: string }> {
  try {
    const out = await new STSClient(common(stsUrl, key)).send(new GetCallerIdentityCommand({}));
    return { arn: out.Arn ?? '' };
  } catch (err) {
    return { error: (err as Error).name };
  }
}

/** `aws iam delete-access-key --access-key-id ID`, signed with `key`. */
export async function deleteAccessKey(iamUrl: string, key: DirectKey, accessKeyId: string): Promise<void> {
  await new IAMClient(common(iamUrl, key)).send(new DeleteAccessKeyCommand({ AccessKeyId: accessKeyId }));
}
