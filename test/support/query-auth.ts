// SigV4 authentication of a Query-API request (STS or IAM) against the emulator's identity store.
import type { IncomingMessage } from 'node:http';
import { StsApiError } from './sts-xml.js';
import { constantTimeEqual, parseAmzDate, parseAuthorization, verifySignature, type RequestToVerify } from './sigv4-verify.js';
import type { Caller, IamStore } from './iam-store.js';

export type QueryService = 'sts' | 'iam';

const MAX_SKEW_MS = 15 * 60 * 1000;

/**
 * The caller behind a valid signature, or an StsApiError. `service` is the service the action
 * belongs to: a credential scoped to another one ("sts" for an IAM action or the reverse) is
 * refused with SignatureDoesNotMatch, as AWS does when a request is signed for the wrong service.
 */
export function authenticate(store: IamStore, req: IncomingMessage, url: URL, body: Buffer, service: QueryService): Caller {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || header.trim() === '') throw new StsApiError('MissingAuthenticationToken');
  const parsed = parseAuthorization(header);
  if (!parsed.ok) throw new StsApiError('IncompleteSignature', parsed.message);
  const auth = parsed.value;
  const amzDate = req.headers['x-amz-date'];
  if (typeof amzDate !== 'string') throw new StsApiError('IncompleteSignature', "Authorization header requires existence of a 'X-Amz-Date' header.");
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined) throw new StsApiError('IncompleteSignature', "X-Amz-Date must be in ISO 8601 basic format (yyyyMMdd'T'HHmmss'Z').");
  for (const required of ['host', 'x-amz-date']) {
    if (!auth.signedHeaders.includes(required)) throw new StsApiError('IncompleteSignature', `'${required}' must be a 'SignedHeader' in the AWS Authorization.`);
  }
  if (auth.terminator !== 'aws4_request') throw new StsApiError('SignatureDoesNotMatch', "Credential should be scoped with a valid terminator: 'aws4_request'.");
  if (auth.service !== service) throw new StsApiError('SignatureDoesNotMatch', `Credential should be scoped to correct service: '${service}'.`);
  if (auth.date !== amzDate.slice(0, 8)) {
    throw new StsApiError('SignatureDoesNotMatch', `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date.slice(0, 8)}' != '${amzDate.slice(0, 8)}'`);
  }
  const key = store.lookupKey(auth.accessKeyId);
  if (!key) throw new StsApiError('InvalidClientTokenId');
  const tokenHeader = req.headers['x-amz-security-token'];
  const token = typeof tokenHeader === 'string' ? tokenHeader : (url.searchParams.get('X-Amz-Security-Token') ?? undefined);
  if (key.kind === 'user' ? token !== undefined : token === undefined || !constantTimeEqual(token, key.sessionToken)) {
    throw new StsApiError('InvalidClientTokenId');
  }
  const request: RequestToVerify = { method: req.method ?? 'GET', rawPath: url.pathname, rawQuery: url.search.slice(1), rawHeaders: req.rawHeaders, body };
  if (!verifySignature(request, auth, amzDate, key.secretAccessKey)) throw new StsApiError('SignatureDoesNotMatch');
  if (key.kind === 'session' && store.now() >= key.expiresAtMs) throw new StsApiError('ExpiredToken');
  if (Math.abs(Date.now() - signedAt) > MAX_SKEW_MS) {
    const earliest = new Date(Date.now() - MAX_SKEW_MS).toISOString();
    throw new StsApiError('RequestExpired', `Request has expired: signed at ${amzDate}, which is more than 15 minutes from the server time ${new Date().toISOString()} (earliest accepted ${earliest}).`);
  }
  return key.caller;
}
