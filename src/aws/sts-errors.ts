import { StsError, type StsFailure } from '../domain/errors.js';

const BY_CODE: Record<string, StsFailure> = {
  AccessDenied: 'AccessDenied',
  AccessDeniedException: 'AccessDenied',
  ExpiredToken: 'ExpiredToken',
  ExpiredTokenException: 'ExpiredToken',
  InvalidClientTokenId: 'InvalidClientTokenId',
  SignatureDoesNotMatch: 'SignatureDoesNotMatch',
  Throttling: 'Throttling',
  ThrottlingException: 'Throttling',
  RequestLimitExceeded: 'Throttling',
  ValidationError: 'InvalidParameter',
  InvalidParameterValue: 'InvalidParameter',
  MalformedPolicyDocument: 'InvalidParameter',
  RegionDisabledException: 'AccessDenied',
  InvalidIdentityToken: 'InvalidIdentityToken',
  InvalidIdentityTokenException: 'InvalidIdentityToken',
  IDPRejectedClaim: 'InvalidIdentityToken',
  IDPRejectedClaimException: 'InvalidIdentityToken',
  IDPCommunicationError: 'Network',
  IDPCommunicationErrorException: 'Network',
};

/**
 * One sentence per failure. STS's own message is kept when it explains something
 * (AccessDenied names the principal and the role; it never contains a secret).
 */
export function toStsError(err: unknown): StsError {
  if (err instanceof StsError) return err;
  const e = err as { name?: string; Code?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const code = e.Code ?? e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  const awsMessage = (e.message ?? '').replace(/\s+/g, ' ').trim().slice(0, 300);
  const failure: StsFailure = BY_CODE[code] ?? (isNetwork(e) ? 'Network' : status !== undefined && status >= 500 ? 'ServiceError' : 'Unknown');
  if (failure === 'AccessDenied' && /MultiFactorAuthentication|MFA/i.test(awsMessage)) {
    return new StsError('MfaInvalid', `STS refused the MFA code: ${awsMessage}`, { cause: err });
  }
  return new StsError(failure, describe(failure, awsMessage, code), { cause: err });
}

function describe(failure: StsFailure, awsMessage: string, code: string): string {
  switch (failure) {
    case 'AccessDenied':
      return `STS denied access: ${awsMessage}`;
    case 'ExpiredToken':
      return 'STS says the session credentials have expired.';
    case 'InvalidClientTokenId':
      return 'STS does not recognise the access key (deleted, deactivated, or from another partition).';
    case 'SignatureDoesNotMatch':
      return 'STS rejected the request signature: the secret access key does not match the access key id.';
    case 'Throttling':
      return 'STS is throttling requests; credd will retry.';
    case 'InvalidParameter':
      return `STS rejected the request: ${awsMessage}`;
    case 'InvalidIdentityToken':
      return `STS rejected the web identity token: ${awsMessage}`;
    case 'Network':
      return `STS could not be reached (${awsMessage || code}).`;
    case 'ServiceError':
      return `STS had an internal error (${code || 'server error'}); credd will retry.`;
    default:
      return `STS call failed: ${code ? `${code}: ` : ''}${awsMessage}`;
  }
}

function isNetwork(e: { name?: string; code?: string }): boolean {
  const codes = ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH'];
  return (e.code !== undefined && codes.includes(e.code)) || e.name === 'TimeoutError' || e.name === 'RequestTimeout';
}
