import type { TemporaryCredentials } from '../domain/credentials.js';
import { ActionRequiredError, errorMessage, StsError, type CreddError } from '../domain/errors.js';
import { backoffMs, classify, refreshDueAt } from '../domain/freshness.js';
import type { CredentialProvider, ServeResult } from '../domain/ports.js';
import { rootOf } from '../domain/profile.js';
import { waitingForOf } from '../domain/waiting-for.js';
import type { BrokerDeps, BrokerStats } from './broker-deps.js';
import { ClockJump } from './clock-jump.js';
import type { BrokerView } from './broker-view.js';
import { CredentialSource } from './credential-source.js';
import { mfaLogin, mfaSessionFor, type MfaContext, type StartedMfaSession } from './mfa-commands.js';
import { MfaSessions } from './mfa-sessions.js';
import { profileView, type ProfileSlot } from './profile-slot.js';
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
  private activeProfile: string | undefined;
  private closed = false;
  private readonly clockJump: ClockJump;
  private readonly stats: BrokerStats = { requests: 0, servedFromCache: 0, waitedOnSts: 0, stsFetches: 0, failedFetches: 0 };

  constructor(private readonly deps: BrokerDeps) {
    this.slots = new SlotTable(deps.clock, (slot) => slot.name === this.activeProfile);
    this.clockJump = new ClockJump(deps.clock);
    this.mfa = new MfaSessions({
      store: deps.store,
      sts: deps.sts,
      clock: deps.clock,
      logger: deps.logger,
      loadKey: (p) => this.source.loadKey(p),
      ...(deps.runCommand && { runCommand: deps.runCommand }),
    });
    this.source = new CredentialSource({
      store: deps.store,
      sts: deps.sts,
      mfa: this.mfa,
      ...(deps.sso && { sso: deps.sso }),
      ...(deps.process && { process: deps.process }),
      ...(deps.ambient && { ambient: deps.ambient }),
      ...(deps.login && { login: deps.login }),
      ...(deps.readTextFile && { readTextFile: deps.readTextFile }),
      roleSessionName: deps.roleSessionName,
      credentialsOf: (name) => this.ensure(name),
    });
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
    await this.revalidate(this.slots.for(profile));
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
    await this.revalidate(this.touch(profile));
    return this.ensure(profile);
  }

  /** The request path. `profile` undefined means "the active one". */
  async serve(profile?: string): Promise<ServeResult> {
    this.stats.requests++;
    this.checkClock();
    const name = profile ?? this.activeProfile;
    if (name === undefined) {
      return fail(new ActionRequiredError('NoActiveProfile', 'No profile is active in credd; run: credd switch PROFILE'));
    }
    let slot = this.touch(name);
    // Only a slot that has fetched before has a definition to compare (and no await otherwise).
    if (slot.definition !== undefined) {
      try {
        slot = await this.revalidate(slot);
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

  /**
   * `credd clear [PROFILE]`: forget cached role credentials and the MFA session behind
   * them (of PROFILE's IAM user, or of everyone).
   */
  async clear(name?: string): Promise<void> {
    if (name === undefined) {
      for (const slot of this.slots.values()) this.slots.drop(slot);
      this.deps.process?.forget();
      await this.mfa.dropAll();
      return;
    }
    const user = rootOf(await this.deps.loadProfile(name)).name;
    for (const slot of this.slots.values()) {
      if (slot.name === name || slot.name === user || slot.root === user) this.slots.drop(slot);
    }
    this.deps.process?.forget(user);
    await this.mfa.drop(user);
  }

  /**
   * The user just acted (SSO sign-in, or an MFA code for `user`): requests that failed for
   * want of that may go again at once instead of after the local re-check interval.
   */
  recheck(user?: string): void {
    for (const slot of this.slots.values()) {
      if (!(slot.lastError instanceof ActionRequiredError)) continue;
      if (user === undefined || slot.root === undefined || slot.root === user) delete slot.lastErrorAt;
    }
  }

  /** The MFA session of PROFILE's IAM user (key rotation signs IAM calls with it). */
  mfaSessionFor(name: string): Promise<TemporaryCredentials> {
    return mfaSessionFor(this.mfaContext(), name);
  }

  /** Starts an MFA session for PROFILE's IAM user with a code the CLI asked for. */
  mfaLogin(name: string, code: string): Promise<StartedMfaSession> {
    return mfaLogin(this.mfaContext(), name, code);
  }

  /**
   * Called on ticks that happen anyway (requests, the notice timer). After a sleep the refresh
   * timers are late by the whole sleep and backoff holds errors from before it: drop both and
   * refresh what is wanted now, with the quick first retries of a fresh backoff.
   */
  checkClock(): void {
    const jump = this.clockJump.check();
    if (jump === undefined || this.closed) return;
    this.deps.logger.info({ jumpedSeconds: Math.round(jump / 1000) }, 'the wall clock jumped (sleep or clock change): refreshing now');
    for (const slot of this.slots.values()) {
      if (slot.timer) this.deps.clock.clearTimeout(slot.timer);
      delete slot.timer;
      delete slot.nextAttemptAt;
      delete slot.lastErrorAt;
      slot.failures = 0;
      if (this.wanted(slot) && !slot.inflight) this.ensure(slot.name, { renew: true }).catch(() => undefined);
    }
  }

  /** `credd lock`: forget every credential held in memory (role credentials, MFA sessions). */
  forgetSecrets(): void {
    for (const slot of this.slots.values()) this.slots.drop(slot);
    this.mfa.forgetInMemory();
  }

  close(): void {
    this.closed = true;
    this.slots.cancelTimers();
  }

  private async fetch(slot: ProfileSlot): Promise<TemporaryCredentials> {
    const started = this.deps.clock.now();
    this.stats.stsFetches++;
    try {
      const profile = await this.deps.loadProfile(slot.name);
      slot.definition = JSON.stringify(profile);
      slot.region = profile.region;
      slot.root = rootOf(profile).name;
      const creds = await this.source.obtain(profile);
      if (waitingForOf(slot.lastError) !== undefined) this.deps.onNoticeChange?.();
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
      if (waitingForOf(error) !== undefined) this.deps.onNoticeChange?.();
      // Only STS trouble is retried on a timer; local problems are re-checked on the next request.
      if (error instanceof StsError || error.code === 'Internal') {
        this.schedule(slot, this.deps.clock.now() + backoffMs(slot.failures - 1, this.deps.random));
      }
      throw error;
    }
  }

  /**
   * The config is read again (cheaply: unchanged files are not re-parsed) before cached
   * credentials are used: a broken file fails the request, and credentials obtained for an
   * older definition of the profile (role, source, MFA) are forgotten, never served for the new one.
   */
  private async revalidate(slot: ProfileSlot): Promise<ProfileSlot> {
    if (slot.definition === undefined) return slot;
    const current = JSON.stringify(await this.deps.loadProfile(slot.name));
    if (current === slot.definition || !this.slots.has(slot)) return slot;
    this.deps.logger.info({ profile: slot.name }, 'profile changed in the config; its cached credentials are dropped');
    this.slots.drop(slot);
    return this.touch(slot.name);
  }

  private schedule(slot: ProfileSlot, at: number): void {
    if (this.closed) return;
    if (slot.timer) this.deps.clock.clearTimeout(slot.timer);
    // A little jitter so many profiles refreshed together do not hit STS in one burst
    // (retries after a failure have their own, from backoffMs).
    const jitter = slot.lastError ? 0 : Math.round((this.deps.random ?? Math.random)() * 5_000);
    const delay = Math.max(0, at - this.deps.clock.now()) + jitter;
    if (slot.lastError) slot.nextAttemptAt = this.deps.clock.now() + delay;
    slot.timer = this.deps.clock.setTimeout(() => this.refreshInBackground(slot), delay);
  }

  private refreshInBackground(slot: ProfileSlot): void {
    delete slot.timer;
    delete slot.nextAttemptAt;
    if (this.closed || !this.slots.has(slot) || !this.wanted(slot)) return;
    this.ensure(slot.name, { renew: true }).catch(() => undefined);
  }

  /**
   * Refreshed in the background: the active profile, and others asked for within the hour.
   * A role that others chain through is fetched on demand during their refresh.
   */
  private wanted(slot: ProfileSlot): boolean {
    return slot.name === this.activeProfile || this.deps.clock.now() - slot.lastRequestedAt < (this.deps.keepWarmMs ?? 3_600_000);
  }

  private mfaContext(): MfaContext {
    return { loadProfile: this.deps.loadProfile, mfa: this.mfa, recheck: (user: string) => this.recheck(user) };
  }

  private touch(name: string): ProfileSlot {
    const slot = this.slots.for(name);
    slot.lastRequestedAt = this.deps.clock.now();
    return slot;
  }
}

function fail(error: CreddError): ServeResult {
  return { ok: false, error };
}
