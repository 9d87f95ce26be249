import { scopedToken } from '../protocol/scoped-token.js';
import type { CliContext } from './cli-context.js';
import { portWarning } from './port-warning.js';

/**
 * The token a shell or child gets: the daemon's own (it follows `credd switch` and opens every
 * profile) when unpinned, a token that opens only PROFILE's URL when pinned to it.
 */
export function tokenFor(daemonToken: string, profile: string | undefined): string {
  return profile === undefined ? daemonToken : scopedToken(daemonToken, { profile });
}

/** Said on stderr, so `eval "$(credd env)"` still works and the user still sees it. */
export async function warnAboutPort(ctx: CliContext): Promise<void> {
  const warning = await portWarning(ctx);
  if (warning !== undefined) ctx.err.write(`credd: ${warning}\n`);
}
