import { CreddError } from '../domain/errors.js';

/** Anything thrown below the broker becomes a CreddError with a sentence a user can act on. */
export function toCreddError(err: unknown): CreddError {
  if (err instanceof CreddError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new CreddError('Internal', `credd hit an unexpected error: ${message}`, { cause: err });
}
