/**
 * Every error a user can see is a CreddError: `code` is stable (used on the wire and in
 * tests), `message` is one sentence that says what happened and, where there is one,
 * what to run. Messages never carry secrets.
 */
export class CreddError extends Error {
  readonly code: string;
  /** Non-secret facts a client can act on (e.g. which MFA device to ask a code for). */
  readonly details: Readonly<Record<string, string>> | undefined;
  constructor(code: string, message: string, options?: { cause?: unknown; details?: Record<string, string> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CreddError';
    this.code = code;
    this.details = options?.details;
  }
}

/** ~/.aws/config is wrong; names the profile and the key. */
export class ConfigError extends CreddError {
  constructor(message: string) {
    super('ConfigError', message);
    this.name = 'ConfigError';
  }
}

/**
 * The secret store is unreachable, locked, or refused. `KeychainLocked`: the OS keychain is
 * locked, denied access, or left a dialog unanswered; `StoreLocked`: credd itself is locked
 * (file store without a passphrase yet, or `credd lock`). Both wait for `credd unlock`.
 */
export class KeychainError extends CreddError {
  constructor(message: string, options?: { cause?: unknown; code?: 'KeychainLocked' | 'StoreLocked' }) {
    super(options?.code ?? 'KeychainError', message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KeychainError';
  }
}

export type StsFailure =
  | 'AccessDenied'
  | 'ExpiredToken'
  | 'InvalidClientTokenId'
  | 'SignatureDoesNotMatch'
  | 'Throttling'
  | 'InvalidParameter'
  | 'InvalidIdentityToken'
  | 'MfaInvalid'
  | 'Network'
  | 'ServiceError'
  | 'Unknown';

/** STS said no, or could not be reached. */
export class StsError extends CreddError {
  readonly failure: StsFailure;
  constructor(failure: StsFailure, message: string, options?: { cause?: unknown }) {
    super(`Sts${failure}`, message, options);
    this.name = 'StsError';
    this.failure = failure;
  }
}

/** A request the user must act on (add a key, switch, enter an MFA code). */
export class ActionRequiredError extends CreddError {
  constructor(code: string, message: string, details?: Record<string, string>) {
    super(code, message, details === undefined ? undefined : { details });
    this.name = 'ActionRequiredError';
  }
}

/** An MFA code is needed: the CLI asks for one; SDK requests get a fast 409 saying so. */
export function mfaRequired(profile: string, sourceProfile: string, serial: string, why = 'needs an MFA code'): ActionRequiredError {
  return new ActionRequiredError('MfaRequired', `Profile "${profile}" ${why} (${serial}); run: credd switch ${profile}`, {
    profile,
    sourceProfile,
    serial,
  });
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
