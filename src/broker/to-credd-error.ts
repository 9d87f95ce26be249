import { CreddError, StsError } from '../domain/errors.js';

/** Anything thrown below the broker becomes a CreddError with a sentence a user can act on. */
export function toCreddError(err: unknown): CreddError {
  if (err instanceof CreddError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new CreddError('Internal', `credd hit an unexpected error: ${message}`, { cause: err });
}

/** STS errors say which profile they concern; other errors already do. */
export function forProfile(err: CreddError, profile: string): CreddError {
  if (!(err instanceof StsError) || err.message.startsWith('Profile "')) return err;
  return new StsError(err.failure, `Profile "${profile}": ${err.message}`, { cause: err });
}
