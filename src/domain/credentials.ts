/** A long-term IAM user key, as kept in the secret store. */
export interface LongTermKey {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Temporary credentials from STS (a role session or an MFA session). */
export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  /** Account of the role (parsed from the assumed-role ARN when STS gives one). */
  accountId?: string;
  /** e.g. arn:aws:sts::123456789012:assumed-role/ReadOnly/credd-alice */
  assumedRoleArn?: string;
}

/** What a signer needs: long-term or temporary. */
export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

const ACCESS_KEY_ID = /^(AKIA|ASIA)[A-Z0-9]{12,124}$/;
const SECRET_ACCESS_KEY = /^[A-Za-z0-9/+=]{40}$/;

export function isAccessKeyIdShape(value: string): boolean {
  return ACCESS_KEY_ID.test(value);
}

export function isSecretAccessKeyShape(value: string): boolean {
  return SECRET_ACCESS_KEY.test(value);
}

/** `AKIA…WXYZ`: enough to recognise a key, never enough to use it. */
export function maskAccessKeyId(id: string): string {
  if (id.length < 8) return '…';
  return `${id.slice(0, 4)}…${id.slice(-4)}`;
}
