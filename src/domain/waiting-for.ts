import type { CreddError } from './errors.js';

/**
 * The one spelling of "the user must act before this profile can be served": an MFA code,
 * an IAM Identity Center sign-in, an `aws login`, a keychain dialog to answer, or a store to unlock.
 */
export type WaitingFor = 'mfa' | 'sso' | 'login' | 'keychain' | 'unlock';

const WAITING: ReadonlySet<string> = new Set<WaitingFor>(['mfa', 'sso', 'login', 'keychain', 'unlock']);

/** Error codes that mean the user must act, for errors that do not say so in `details.waitingFor`. */
const BY_CODE: Readonly<Record<string, WaitingFor>> = {
  MfaRequired: 'mfa',
  SsoLoginRequired: 'sso',
  LoginRequired: 'login',
  KeychainLocked: 'keychain',
  StoreLocked: 'unlock',
};

/** What the user must do about `error`, or undefined when it is not theirs to fix. */
export function waitingForOf(error: CreddError | undefined): WaitingFor | undefined {
  if (error === undefined) return undefined;
  const declared = error.details?.['waitingFor'];
  if (declared !== undefined && WAITING.has(declared)) return declared as WaitingFor;
  return BY_CODE[error.code];
}
