// The alternative credd is compared with: an AWS `credential_process` helper, one Node
// process per AWS CLI call (the aws-vault / granted way). It reads the IAM user's key (here
// from a JSON file standing in for the keychain), calls STS AssumeRole with the AWS SDK for
// JavaScript v3, and prints the credential_process JSON.
//   node credential-process-helper.mjs KEYFILE ROLE_ARN     → AssumeRole on every call
//   node credential-process-helper.mjs --cached FILE         → prints FILE (a cache hit; no SDK loaded)
// STS endpoint: AWS_ENDPOINT_URL_STS (the benchmark's emulator on 127.0.0.1).
import { readFileSync } from 'node:fs';

const [first, second] = process.argv.slice(2);
if (first === '--cached') {
  process.stdout.write(readFileSync(second, 'utf8'));
} else {
  const key = JSON.parse(readFileSync(first, 'utf8'));
  const { STSClient, AssumeRoleCommand } = await import('@aws-sdk/client-sts');
  const sts = new STSClient({
    region: 'us-east-1',
    endpoint: process.env.AWS_ENDPOINT_URL_STS,
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
  });
  const out = await sts.send(new AssumeRoleCommand({ RoleArn: second, RoleSessionName: 'credential-process', DurationSeconds: 3600 }));
  const c = out.Credentials;
  process.stdout.write(
    JSON.stringify({ Version: 1, AccessKeyId: c.AccessKeyId, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken, Expiration: c.Expiration.toISOString() }),
  );
}
