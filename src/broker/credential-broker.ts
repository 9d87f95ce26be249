import type { TemporaryCredentials } from '../domain/credentials.js';
import { ActionRequiredError, type CreddError } from '../domain/errors.js';
import { classify } from '../domain/freshness.js';
import type { CredentialProvider, ServeResult } from '../domain/ports.js';
import type { BrokerDeps, BrokerStats } from './broker-deps.js';
import type { BrokerView } from './broker-view.js';
import { brokerSources } from './broker-sources.js';
import type { CredentialSource } from './credential-source.js';
import { DefinitionCheck } from './definition-check.js';
import { clearSlots, recheckSlots } from './forget-slots.js';
import { mfaLogin, mfaSessionFor, type StartedMfaSession } from './mfa-commands.js';
import type { MfaSessions } from './mfa-sessions.js';
import { profileView, type ProfileSlot } from './profile-slot.js';
import { RefreshSchedule } from './refresh-schedule.js';
import { SleepRecovery } from './sleep-recovery.js';
import { fetchSlot } from './slot-fetch.js';
import { SlotTable } from './slot-table.js';
import { waitBriefly } from './wait-briefly.js';
import { forProfile, toCreddError } from './to-credd-error.js';

/** A local failure (no key, config, MFA needed) is re-checked at most this often by requests. */
const LOCAL_RECHECK_MS = 2_000;

/**
 * The heart of credd: caches role credentials per profile, refreshes them in the
 * background before clients would, and makes concurrent askers share one STS call.
 * SDK requests (`serve`) never wait on a human and wait on STS only when nothing is cached.
 */
export class CredentialBroker implements CredentialProvider {
  private readonly slots: SlotTable;
  private readonly source: CredentialSource;
  private readonly mfa: MfaSessions;
  private readonly definitions: DefinitionCheck;
  private readonly schedule: RefreshSchedule;
  private readonly sleep: SleepRecovery;
  private activeProfile: string | undefined;
  private readonly stats: BrokerStats = { requests: 0, servedFromCache: 0, waitedOnSts: 0, stsFetches: 0, failedFetches: 0 };

  constructor(private readonly deps: BrokerDeps) {
    this.slots = new SlotTable(deps.clock, (slot) => slot.name === this.activeProfile);
    this.definitions = new DefinitionCheck(deps);
    const renew = (name: string): void => void this.ensure(name, { renew: true }).catch(() => undefined);
    this.schedule = new RefreshSchedule(deps, this.slots, (slot) => slot.name === this.activeProfile, renew);
    this.sleep = new SleepRecovery({ clock: deps.clock, logger: deps.logger, slots: this.slots, schedule: this.schedule, renew });
    ({ mfa: this.mfa, source: this.source } = brokerSources(deps, (name) => this.ensure(name)));
  }

  get active(): string | undefined {
    return this.activeProfile;
  }

  /** Restores the active profile (after a restart) without calling STS inline; `prefetch` warms it now. */
  restoreActive(profile: string | undefined, prefetch = true): void {
    this.activeProfile = profile;
    if (profile !== undefined && prefetch) this.ensure(profile).catch(() => undefined);
  }

  /** `credd switch`: fetch now (so errors reach the terminal), then make it active. */
  async switchTo(profile: string): Promise<TemporaryCredentials> {
    await this.current(this.slots.for(profile));
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
    await this.current(this.touch(profile));
    return this.ensure(profile);
  }

  /** The request path. `profile` undefined means "the active one". */
  async serve(profile?: string): Promise<ServeResult> {
    this.stats.requests++;
    this.checkClock();
    const name = profile ?? this.activeProfile;
    if (name === undefined) return fail(new ActionRequiredError('NoActiveProfile', 'No profile is active in credd; run: credd switch PROFILE'));
    let slot = this.touch(name);
    // Only a slot that has fetched before has a definition to compare, and only a moved config generation is compared.
    const changed = this.definitions.changed(slot);
    if (changed !== false) {
      try {
        slot = await this.dropIfChanged(slot, changed);
      } catch (err) {
        return fail(forProfile(toCreddError(err), name));
      }
    }
    const now = this.deps.clock.now();
    const state = slot.creds ? classify(slot.creds.expiration.getTime(), slot.issuedAt, now) : 'expired';
    if (slot.creds && state !== 'expired') {
      if (state === 'stale' && !slot.inflight && slot.nextAttemptAt === undefined) this.ensure(name).catch(() => undefined);
      this.stats.servedFromCache++;
      return { ok: true, creds: slot.creds, profile: name, ...(slot.region !== undefined && { region: slot.region }) };
    }
    // Nothing usable cached. A failure we are backing off from, or a local one seen just now, answers at once.
    const backingOff = slot.nextAttemptAt !== undefined && slot.nextAttemptAt > now;
    if (!slot.inflight && slot.lastError && (backingOff || now - (slot.lastErrorAt ?? 0) < LOCAL_RECHECK_MS)) {
      return fail(slot.lastError);
    }
    this.stats.waitedOnSts++;
    const result = await waitBriefly(this.deps.clock, this.deps.coldWaitMs ?? 700, name, this.ensure(name));
    // The fetch has just learnt the profile's region (IMDS placement answers need it too).
    return result.ok && slot.region !== undefined ? { ...result, region: slot.region } : result;
  }

  /** Credentials for `name`, from cache when fresh enough (unless `renew`), else one shared STS call. */
  ensure(name: string, opts: { renew?: boolean } = {}): Promise<TemporaryCredentials> {
    const slot = this.slots.for(name);
    if (slot.inflight) return slot.inflight;
    if (slot.creds && opts.renew !== true) {
      const state = classify(slot.creds.expiration.getTime(), slot.issuedAt, this.deps.clock.now());
      if (state === 'fresh' || state === 'aging') return Promise.resolve(slot.creds);
    }
    const run = fetchSlot(slot, { deps: this.deps, stats: this.stats, definitions: this.definitions, source: this.source, schedule: this.schedule });
    slot.inflight = run;
    const settled = (): boolean => slot.inflight === run && delete slot.inflight;
    run.then(settled, settled);
    return run;
  }

  describe(name: string): { region?: string; accountId?: string } {
    const slot = this.slots.get(name);
    return { ...(slot?.region !== undefined && { region: slot.region }), ...(slot?.creds?.accountId !== undefined && { accountId: slot.creds.accountId }) };
  }

  /** What the daemon may know of the broker (status, notice, switch answers): a plain-data copy. */
  view(): BrokerView {
    const now = this.deps.clock.now();
    return {
      now,
      ...(this.activeProfile !== undefined && { active: this.activeProfile }),
      profiles: this.slots.values().map((slot) => profileView(slot, now, slot.name === this.activeProfile, (user) => this.mfa.waitsForCode(user))),
      mfa: this.mfa.view(),
      stats: { ...this.stats },
    };
  }

  /** `credd clear [PROFILE]`: forget cached credentials and the MFA session behind them. */
  clear(name?: string): Promise<void> {
    return clearSlots({ slots: this.slots, mfa: this.mfa, process: this.deps.process, loadProfile: this.deps.loadProfile }, name);
  }

  /** The user just acted (SSO sign-in, MFA code for `user`): failed requests may go again at once. */
  recheck(user?: string): void {
    recheckSlots(this.slots, user);
  }

  /** The MFA session of PROFILE's IAM user (key rotation signs IAM calls with it). */
  mfaSessionFor(name: string): Promise<TemporaryCredentials> {
    return mfaSessionFor({ loadProfile: this.deps.loadProfile, mfa: this.mfa, recheck: (user) => this.recheck(user) }, name);
  }

  /** Starts an MFA session for PROFILE's IAM user with a code the CLI asked for. */
  mfaLogin(name: string, code: string): Promise<StartedMfaSession> {
    return mfaLogin({ loadProfile: this.deps.loadProfile, mfa: this.mfa, recheck: (user) => this.recheck(user) }, name, code);
  }

  /** Called on ticks that happen anyway (requests, the notice timer): notices a sleep. */
  checkClock(): void {
    this.sleep.check();
  }

  /** `credd lock`: forget every credential held in memory (role credentials, MFA sessions). */
  forgetSecrets(): void {
    for (const slot of this.slots.values()) this.slots.drop(slot);
    this.mfa.forgetInMemory();
  }

  close(): void {
    this.schedule.close();
  }

  /** A user's command (not an SDK request) sees a config edit made a moment ago. */
  private async current(slot: ProfileSlot): Promise<void> {
    await this.deps.configGeneration?.(true);
    await this.dropIfChanged(slot, this.definitions.changed(slot));
  }

  /** Drops the slot's credentials if its profile's definition changed; throws for a broken config. */
  private async dropIfChanged(slot: ProfileSlot, changed: false | Promise<boolean>): Promise<ProfileSlot> {
    if (changed === false || !(await changed) || !this.slots.has(slot)) return slot;
    this.slots.drop(slot);
    return this.touch(slot.name);
  }

  private touch(name: string): ProfileSlot {
    const slot = this.slots.for(name);
    slot.lastRequestedAt = this.deps.clock.now();
    return slot;
  }
}

const fail = (error: CreddError): ServeResult => ({ ok: false, error });
