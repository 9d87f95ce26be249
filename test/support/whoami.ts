// A real SDK client: the JS SDK v3 default credential chain, nothing configured in code.
// Prints the caller ARN, or the error name and message on stderr with exit code 1.
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromContainerMetadata, fromInstanceMetadata } from '@aws-sdk/credential-providers';

const which = process.argv[2] ?? 'default';
const credentials = which === 'container' ? fromContainerMetadata({ timeout: 1000 }) : which === 'imds' ? fromInstanceMetadata({ timeout: 1000 }) : undefined;
const client = new STSClient({ region: process.env['AWS_REGION'] ?? 'us-east-1', ...(credentials && { credentials }) });
try {
  const out = await client.send(new GetCallerIdentityCommand({}));
  process.stdout.write(`${out.Arn}\n`);
} catch (err) {
  const e = err as Error;
  process.stderr.write(`${e.name}: ${e.message}\n`);
  process.exitCode = 1;
}
