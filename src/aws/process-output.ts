import { isAccessKeyIdShape } from '../domain/credentials.js';
import { CreddError } from '../domain/errors.js';
import type { SourceCredentials } from '../domain/ports.js';

/**
 * credential_process stdout, Version 1: AccessKeyId, SecretAccessKey, optional SessionToken
 * and Expiration (ISO 8601), optional AccountId. `what` starts every error sentence.
 */
export function parseProcessOutput(stdout: string, what: string, now: number): SourceCredentials {
  const fail = (why: string): CreddError => new CreddError('CredentialProcessFailed', `${what} ${why}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout.trim());
  } catch {
    throw fail('printed something that is not JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw fail('printed JSON that is not an object.');
  const o = parsed as Record<string, unknown>;
  if (o['Version'] !== 1) throw fail(`printed Version ${JSON.stringify(o['Version'] ?? null)}; only Version 1 is understood.`);
  const id = o['AccessKeyId'];
  const secret = o['SecretAccessKey'];
  if (typeof id !== 'string' || typeof secret !== 'string' || id === '' || secret === '') throw fail('printed no AccessKeyId or SecretAccessKey.');
  if (!isAccessKeyIdShape(id)) throw fail('printed an AccessKeyId that is not an access key id.');
  const token = o['SessionToken'];
  if (token !== undefined && token !== null && (typeof token !== 'string' || token === '')) throw fail('printed a SessionToken that is not a string.');
  const exp = o['Expiration'];
  let expiration: Date | undefined;
  if (exp !== undefined && exp !== null) {
    expiration = typeof exp === 'string' ? new Date(exp) : new Date(NaN);
    if (Number.isNaN(expiration.getTime())) throw fail('printed an Expiration that is not an ISO 8601 time.');
    if (expiration.getTime() <= now) throw fail(`printed credentials that expired at ${expiration.toISOString()}.`);
  }
  const account = o['AccountId'];
  return {
    accessKeyId: id,
    secretAccessKey: secret,
    ...(typeof token === 'string' && { sessionToken: token }),
    ...(expiration !== undefined && { expiration }),
    ...(typeof account === 'string' && /^\d{12}$/.test(account) && { accountId: account }),
  };
}
