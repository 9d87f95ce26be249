import type { CreddError } from '../domain/errors.js';

/**
 * Status for a failure to serve credentials. Always 4xx: the Go and Java SDKs retry 5xx,
 * which would only delay the message the user needs to see.
 */
export function statusFor(error: CreddError): number {
  if (error.code === 'Pending' || error.code === 'StsThrottling') return 429;
  if (error.code.startsWith('Sts')) return 424;
  return 409;
}
