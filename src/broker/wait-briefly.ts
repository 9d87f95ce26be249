import type { TemporaryCredentials } from '../domain/credentials.js';
import { CreddError } from '../domain/errors.js';
import type { Clock, ServeResult } from '../domain/ports.js';
import { toCreddError } from './to-credd-error.js';

/**
 * A cold request waits for STS only briefly: clients give up after 1 s (Go IMDS 500 ms), so
 * past `waitMs` it gets a fast "try again" while the fetch goes on in the background.
 */
export async function waitBriefly(clock: Clock, waitMs: number, name: string, run: Promise<TemporaryCredentials>): Promise<ServeResult> {
  let timer: object | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = clock.setTimeout(() => resolve('timeout'), waitMs);
  });
  try {
    const outcome = await Promise.race([run, timeout]);
    if (outcome === 'timeout') {
      return { ok: false, error: new CreddError('Pending', `credd is still fetching credentials for profile "${name}" from STS; try again in a moment.`) };
    }
    return { ok: true, creds: outcome, profile: name };
  } catch (err) {
    return { ok: false, error: toCreddError(err) };
  } finally {
    if (timer) clock.clearTimeout(timer);
  }
}
