import { scopedToken } from '../protocol/scoped-token.js';

/**
 * The token a shell or child gets: the daemon's own (it follows `credd switch` and opens every
 * profile) when unpinned, a token that opens only PROFILE's URL when pinned to it.
 */
export function tokenFor(daemonToken: string, profile: string | undefined): string {
  return profile === undefined ? daemonToken : scopedToken(daemonToken, { profile });
}
