import type { TemporaryCredentials } from '../domain/credentials.js';
import { awsTimestamp } from '../domain/aws-time.js';

/** The exact Content-Type clients expect; no charset parameter. */
export const JSON_CONTENT_TYPE = 'application/json';

const bodies = new WeakMap<TemporaryCredentials, string>();

/** Body of the container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI); built once per credentials. */
export function ecsCredentialsBody(creds: TemporaryCredentials): string {
  const known = bodies.get(creds);
  if (known !== undefined) return known;
  const body = JSON.stringify({
    AccessKeyId: creds.accessKeyId,
    SecretAccessKey: creds.secretAccessKey,
    Token: creds.sessionToken,
    Expiration: awsTimestamp(creds.expiration),
    ...(creds.accountId !== undefined && { AccountId: creds.accountId }),
  });
  bodies.set(creds, body);
  return body;
}
