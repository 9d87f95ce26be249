import type { TemporaryCredentials } from '../domain/credentials.js';
import { awsTimestamp } from './aws-time.js';

/** The exact Content-Type clients expect; no charset parameter. */
export const JSON_CONTENT_TYPE = 'application/json';

/** Body of the container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI). */
export function ecsCredentialsBody(creds: TemporaryCredentials): string {
  return JSON.stringify({
    AccessKeyId: creds.accessKeyId,
    SecretAccessKey: creds.secretAccessKey,
    Token: creds.sessionToken,
    Expiration: awsTimestamp(creds.expiration),
    ...(creds.accountId !== undefined && { AccountId: creds.accountId }),
  });
}
