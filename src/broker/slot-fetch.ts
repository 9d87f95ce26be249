import type { TemporaryCredentials } from '../domain/credentials.js';
import { errorMessage, StsError } from '../domain/errors.js';
import { backoffMs, refreshDueAt } from '../domain/freshness.js';
import { rootOf } from '../domain/profile.js';
import { waitingForOf } from '../domain/waiting-for.js';
import type { BrokerDeps, BrokerStats } from './broker-deps.js';
import type { CredentialSource } from './credential-source.js';
import type { DefinitionCheck } from './definition-check.js';
import type { ProfileSlot } from './profile-slot.js';
import type { RefreshSchedule } from './refresh-schedule.js';
import { forProfile, toCreddError } from './to-credd-error.js';

export interface FetchContext {
  deps: BrokerDeps;
  stats: BrokerStats;
  definitions: DefinitionCheck;
  source: CredentialSource;
  schedule: RefreshSchedule;
}

/**
 * One fetch of a slot's credentials: loads the profile (remembering the definition they are
 * for), obtains them, records the outcome on the slot and sets the one timer that follows
 * (the refresh before expiry, or the retry after STS trouble).
 */
export async function fetchSlot(slot: ProfileSlot, ctx: FetchContext): Promise<TemporaryCredentials> {
  const { deps, stats } = ctx;
  const started = deps.clock.now();
  stats.stsFetches++;
  try {
    const generation = await ctx.definitions.generation();
    const profile = await deps.loadProfile(slot.name);
    ctx.definitions.record(slot, profile, generation);
    slot.region = profile.region;
    slot.root = rootOf(profile).name;
    const creds = await ctx.source.obtain(profile);
    if (waitingForOf(slot.lastError) !== undefined) deps.onNoticeChange?.();
    slot.creds = creds;
    slot.issuedAt = started;
    slot.failures = 0;
    delete slot.lastError;
    delete slot.lastErrorAt;
    delete slot.nextAttemptAt;
    deps.logger.info({ profile: slot.name, expiration: creds.expiration.toISOString() }, 'credentials obtained');
    ctx.schedule.at(slot, refreshDueAt(creds.expiration.getTime(), started));
    return creds;
  } catch (err) {
    const error = forProfile(toCreddError(err), slot.name);
    stats.failedFetches++;
    slot.lastError = error;
    slot.lastErrorAt = deps.clock.now();
    slot.failures++;
    deps.logger.warn({ profile: slot.name, errCode: error.code, err: errorMessage(error) }, 'could not obtain credentials');
    if (waitingForOf(error) !== undefined) deps.onNoticeChange?.();
    // Only STS trouble is retried on a timer; local problems are re-checked on the next request.
    if (error instanceof StsError || error.code === 'Internal') {
      ctx.schedule.at(slot, deps.clock.now() + backoffMs(slot.failures - 1, deps.random));
    }
    throw error;
  }
}
