import type { TemporaryCredentials } from '../domain/credentials.js';
import { ActionRequiredError, CreddError, errorMessage, StsError } from '../domain/errors.js';
import { backoffMs, classify, refreshDueAt, type Freshness } from '../domain/freshness.js';
import type { Clock, CredentialProvider, SecretStore, ServeResult, StsGateway } from '../domain/ports.js';
import type { Profile } from '../domain/profile.js';
import type { Logger } from '../platform/logger.js';
import { CredentialSource } from './credential-source.js';
import { newSlot, type ProfileSlot } from './profile-slot.js';
import { forProfile, toCreddError } from './to-credd-error.js';

/** A local failure (no key, config, MFA needed) is re-checked at most this often by requests. */
const LOCAL_RECHECK_MS = 2_000;

export interface BrokerDeps {
  loadProfile(name: string): Promise<Profile>;
  store: SecretStore;
  sts: StsGateway;
  clock: Clock;
  logger: Logger;
  roleSessionName: string;
  /** How long a cold request may wait for STS before a fast 4xx (clients give up at 1 s). */
  coldWaitMs?: number;
  /** A non-active profile keeps being refreshed this long after it was last requested. */
  keepWarmMs?: number;
  random?: () => number;
  onActiveChange?(profile: string | undefined): void;
}

export interface BrokerStats {
  requests: number;
  servedFromCache: number;
  waitedOnSts: number;
  stsFetches: number;
  failedFetches: number;
}

/**
 * The heart of credd: caches role credentials per profile, refreshes them in the
 * background before clients would, and makes concurrent askers share one STS call.
 * SDK requests (`serve`) never wait on a human and wait on STS only when nothing is cached.
 */
export class CredentialBroker implements CredentialProvider {
  private readonly slots = new Map<string, ProfileSlot>();
  private readonly source: CredentialSource;
  private activeProfile: string | undefined;
  private closed = false;
  readonly stats: BrokerStats = { requests: 0, servedFromCache: 0, waitedOnSts: 0, stsFetches: 0, failedFetches: 0 };

  constructor(private readonly deps: BrokerDeps) {
    this.source = new CredentialSource({
      store: deps.store,
      sts: deps.sts,
      roleSessionName: deps.roleSessionName,
      credentialsOf: (name) => this.ensure(name),
    });
  }

  get active(): string | undefined {
    return this.activeProfile;
  }

  /** Restores the active profile (after a restart) without calling STS inline. */
  restoreActive(profile: string | undefined): void {
    this.activeProfile = profile;
    if (profile !== undefined) this.ensure(profile).catch(() => undefined);
  }

  /** `credd switch`: fetch now (so errors reach the terminal), then make it active. */
  async switchTo(profile: string): Promise<TemporaryCredentials> {
    const creds = await this.ensure(profile);
    this.touch(profile);
    if (this.activeProfile !== profile) {
      this.activeProfile = profile;
      this.deps.onActiveChange?.(profile);
    }
    return creds;
  }

  /** Warm a profile that a shell pins with `credd env PROFILE`. */
  async prime(profile: string): Promise<TemporaryCredentials> {
    this.touch(profile);
    return this.ensure(profile);
  }

  /** The request path. `profile` undefined means "the active one". */
  async serve(profile?: string): Promise<ServeResult> {
    this.stats.requests++;
    const name = profile ?? this.activeProfile;
    if (name === undefined) {
      return fail(new ActionRequiredError('NoActiveProfile', 'No profile is active in credd; run: credd switch PROFILE'));
    }
    const slot = this.touch(name);
    const now = this.deps.clock.now();
    const state = slot.creds ? classify(slot.creds.expiration.getTime(), slot.issuedAt, now) : 'expired';
    if (slot.creds && state !== 'expired') {
      if (state === 'stale' && !slot.inflight && slot.nextAttemptAt === undefined) this.ensure(name).catch(() => undefined);
      this.stats.servedFromCache++;
      return { ok: true, creds: slot.creds, profile: name, ...(slot.region !== undefined && { region: slot.region }) };
    }
    // Nothing usable cached. A failure we are backing off from, or a local one seen just now, answers at once.
    if (!slot.inflight && slot.lastError && (slot.nextAttemptAt !== undefined || now - (slot.lastErrorAt ?? 0) < LOCAL_RECHECK_MS)) {
      return fail(slot.lastError);
    }
    this.stats.waitedOnSts++;
    return this.waitBriefly(name, this.ensure(name));
  }

  /** Credentials for `name`, from cache when fresh enough (unless `renew`), else one shared STS call. */
  ensure(name: string, renew = false): Promise<TemporaryCredentials> {
    const slot = this.slot(name);
    if (slot.inflight) return slot.inflight;
    if (slot.creds && !renew) {
      const state = classify(slot.creds.expiration.getTime(), slot.issuedAt, this.deps.clock.now());
      if (state === 'fresh' || state === 'aging') return Promise.resolve(slot.creds);
    }
    const run = this.fetch(slot);
    slot.inflight = run;
    const clear = (): void => {
      if (slot.inflight === run) delete slot.inflight;
    };
    run.then(clear, clear);
    return run;
  }

  describe(name: string): { region?: string; accountId?: string } {
    const slot = this.slots.get(name);
    return {
      ...(slot?.region !== undefined && { region: slot.region }),
      ...(slot?.creds?.accountId !== undefined && { accountId: slot.creds.accountId }),
    };
  }

  freshness(name: string): Freshness | undefined {
    const slot = this.slots.get(name);
    if (!slot?.creds) return undefined;
    return classify(slot.creds.expiration.getTime(), slot.issuedAt, this.deps.clock.now());
  }

  snapshot(): ProfileSlot[] {
    return [...this.slots.values()];
  }

  /** Forget cached credentials (all, or one profile). */
  clear(name?: string): void {
    for (const slot of name === undefined ? [...this.slots.values()] : [this.slots.get(name)].filter((s) => s !== undefined)) {
      if (slot.timer) this.deps.clock.clearTimeout(slot.timer);
      this.slots.delete(slot.name);
    }
  }

  close(): void {
    this.closed = true;
    for (const slot of this.slots.values()) if (slot.timer) this.deps.clock.clearTimeout(slot.timer);
  }

  private async fetch(slot: ProfileSlot): Promise<TemporaryCredentials> {
    const started = this.deps.clock.now();
    this.stats.stsFetches++;
    try {
      const profile = await this.deps.loadProfile(slot.name);
      slot.region = profile.region;
      const creds = await this.source.obtain(profile);
      slot.creds = creds;
      slot.issuedAt = started;
      slot.failures = 0;
      delete slot.lastError;
      delete slot.lastErrorAt;
      delete slot.nextAttemptAt;
      this.deps.logger.info({ profile: slot.name, expiration: creds.expiration.toISOString() }, 'credentials obtained');
      this.schedule(slot, refreshDueAt(creds.expiration.getTime(), started));
      return creds;
    } catch (err) {
      const error = forProfile(toCreddError(err), slot.name);
      this.stats.failedFetches++;
      slot.lastError = error;
      slot.lastErrorAt = this.deps.clock.now();
      slot.failures++;
      this.deps.logger.warn({ profile: slot.name, errCode: error.code, err: errorMessage(error) }, 'could not obtain credentials');
      // Only STS trouble is retried on a timer; local problems are re-checked on the next request.
      if (error instanceof StsError || error.code === 'Internal') {
        this.schedule(slot, this.deps.clock.now() + backoffMs(slot.failures - 1, this.deps.random));
      }
      throw error;
    }
  }

  private schedule(slot: ProfileSlot, at: number): void {
    if (this.closed) return;
    if (slot.timer) this.deps.clock.clearTimeout(slot.timer);
    // A little jitter so many profiles refreshed together do not hit STS in one burst.
    const jitter = Math.round((this.deps.random ?? Math.random)() * 5_000);
    const delay = Math.max(0, at - this.deps.clock.now()) + jitter;
    if (slot.lastError) slot.nextAttemptAt = this.deps.clock.now() + delay;
    slot.timer = this.deps.clock.setTimeout(() => this.refreshInBackground(slot), delay);
  }

  private refreshInBackground(slot: ProfileSlot): void {
    delete slot.timer;
    delete slot.nextAttemptAt;
    if (this.closed || this.slots.get(slot.name) !== slot || !this.wanted(slot)) return;
    this.ensure(slot.name, true).catch(() => undefined);
  }

  private wanted(slot: ProfileSlot): boolean {
    if (slot.name === this.activeProfile) return true;
    const keepWarm = this.deps.keepWarmMs ?? 3_600_000;
    if (this.deps.clock.now() - slot.lastRequestedAt < keepWarm) return true;
    // A role that other wanted profiles chain through must stay warm too.
    return false;
  }

  private async waitBriefly(name: string, run: Promise<TemporaryCredentials>): Promise<ServeResult> {
    const waitMs = this.deps.coldWaitMs ?? 700;
    let timer: object | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = this.deps.clock.setTimeout(() => resolve('timeout'), waitMs);
    });
    try {
      const outcome = await Promise.race([run, timeout]);
      if (outcome === 'timeout') {
        return fail(new CreddError('Pending', `credd is still fetching credentials for profile "${name}" from STS; try again in a moment.`));
      }
      return { ok: true, creds: outcome, profile: name };
    } catch (err) {
      return fail(toCreddError(err));
    } finally {
      if (timer) this.deps.clock.clearTimeout(timer);
    }
  }

  private slot(name: string): ProfileSlot {
    let slot = this.slots.get(name);
    if (!slot) {
      slot = newSlot(name);
      this.slots.set(name, slot);
    }
    return slot;
  }

  private touch(name: string): ProfileSlot {
    const slot = this.slot(name);
    slot.lastRequestedAt = this.deps.clock.now();
    return slot;
  }
}

function fail(error: CreddError): ServeResult {
  return { ok: false, error };
}
