import type { LongTermKey, TemporaryCredentials } from '../domain/credentials.js';
import { CreddError, errorMessage, KeychainError, mfaRequired, StsError } from '../domain/errors.js';
import type { Clock, CommandRunner, SecretStore, StsGateway } from '../domain/ports.js';
import type { KeychainProfile } from '../domain/profile.js';
import { decodeSession, encodeSession, sessionItem, type StoredSession } from '../domain/stored-session.js';
import type { Logger } from '../platform/logger.js';
import type { MfaView } from './broker-view.js';
import { isMfaCode, MFA_CODE_SHAPE } from '../domain/mfa-code.js';

/** Default MFA session: a workday (AWS's own GetSessionToken default). */
export const DEFAULT_MFA_SESSION_SECONDS = 43_200;
/** A session closer than this to its end is not used to start new role sessions. */
const SESSION_MARGIN_MS = 2 * 60_000;
/** With mfa_process, renew this long before the session ends. */
const AUTO_RENEW_AHEAD_MS = 10 * 60_000;
/** TOTP codes live 30 s and AWS accepts neighbours: remember a used code this long. */
const USED_CODE_MEMORY_MS = 3 * 60_000;

export interface MfaSessionsDeps {
  store: SecretStore;
  sts: StsGateway;
  clock: Clock;
  logger: Logger;
  loadKey(profile: KeychainProfile): Promise<LongTermKey>;
  runCommand?: CommandRunner;
}

export interface SessionRequest {
  /** The IAM user whose session it is. */
  user: KeychainProfile;
  /** The MFA device the asking profile names. */
  serial: string;
  /** The profile that asked, named in the MfaRequired message. */
  forProfile: string;
  mfaProcess?: string | undefined;
}

interface MfaNeed {
  serial: string;
  since: number;
  forProfile: string;
}

/**
 * MFA sessions (GetSessionToken with a code), one per IAM-user profile, cached in memory and
 * in the secret store so one code serves every role of that user, across restarts.
 */
export class MfaSessions {
  private readonly sessions = new Map<string, StoredSession>();
  private readonly logins = new Map<string, Promise<StoredSession>>();
  /** Codes already sent to STS, with the session each one started (if it did). */
  private readonly usedCodes = new Map<string, { at: number; session?: StoredSession }>();
  private readonly loaded = new Set<string>();
  /** Users whose session is missing or ended, waiting for a code; cleared by a login. */
  private readonly needs = new Map<string, MfaNeed>();

  constructor(private readonly deps: MfaSessionsDeps) {}

  /** A valid session for `user`, from memory, the store, or mfa_process; else MfaRequired. */
  async current({ user, serial, forProfile, mfaProcess }: SessionRequest): Promise<TemporaryCredentials> {
    const now = this.deps.clock.now();
    let session = await this.cached(user.name);
    if (session && session.serial !== serial) session = undefined;
    const left = session ? session.creds.expiration.getTime() - now : 0;
    if (session && left > (mfaProcess ? AUTO_RENEW_AHEAD_MS : SESSION_MARGIN_MS)) return session.creds;
    if (mfaProcess && this.deps.runCommand) {
      const code = await this.codeFromProcess(mfaProcess, user.name);
      return (await this.login(user, serial, code)).creds;
    }
    if (session && left > SESSION_MARGIN_MS) return session.creds;
    // Ask a person for a code only when everything else is in place: a missing key says so first.
    await this.deps.loadKey(user);
    if (!this.needs.has(user.name)) this.needs.set(user.name, { serial, since: now, forProfile });
    throw mfaRequired(forProfile, user.name, serial, session ? 'needs a new MFA code: the MFA session has ended' : undefined);
  }

  /** GetSessionToken with a code. Concurrent logins for one user share the first call. */
  login(user: KeychainProfile, serial: string, code: string): Promise<StoredSession> {
    const running = this.logins.get(user.name);
    if (running) return running;
    const used = this.usedCodes.get(`${serial}:${code}`);
    if (used !== undefined && this.deps.clock.now() - used.at < USED_CODE_MEMORY_MS) {
      // The same code from a second terminal: the session it started serves both, with no second STS call.
      const current = this.sessions.get(user.name);
      if (used.session && current === used.session) return Promise.resolve(current);
      return Promise.reject(new StsError('MfaInvalid', 'That MFA code was already used (AWS refuses a code twice); wait for the next one.'));
    }
    const run = this.doLogin(user, serial, code).finally(() => this.logins.delete(user.name));
    this.logins.set(user.name, run);
    return run;
  }

  /** Forget a session (expired, rejected by STS, or `credd clear`). */
  async drop(user: string): Promise<void> {
    this.sessions.delete(user);
    this.loaded.add(user);
    try {
      await this.deps.store.delete(sessionItem(user));
    } catch (err) {
      this.deps.logger.warn({ profile: user, err: errorMessage(err) }, 'could not delete the MFA session from the store');
    }
  }

  async dropAll(): Promise<void> {
    const users = new Set([...this.sessions.keys()]);
    for (const item of await this.deps.store.list().catch(() => [] as string[])) {
      if (item.startsWith('session:')) users.add(item.slice('session:'.length));
    }
    for (const user of users) await this.drop(user);
  }

  /** `credd lock`: forget sessions held in memory; the stored ones are read again after unlock. */
  forgetInMemory(): void {
    this.sessions.clear();
    this.loaded.clear();
  }

  /** Sessions known in memory (loaded or obtained) and codes waited for, copied out, one entry per user. */
  view(): MfaView[] {
    const byUser = new Map<string, MfaView>();
    for (const [user, s] of this.sessions) byUser.set(user, { user, serial: s.serial, expiresAt: s.creds.expiration.getTime() });
    for (const [user, need] of this.needs) {
      byUser.set(user, { ...byUser.get(user), user, serial: need.serial, needed: { since: need.since, forProfile: need.forProfile } });
    }
    return [...byUser.values()];
  }

  /** A code is being waited for `user` (a login clears it before the profiles are fetched again). */
  waitsForCode(user: string): boolean {
    return this.needs.has(user);
  }

  private async doLogin(user: KeychainProfile, serial: string, code: string): Promise<StoredSession> {
    if (!isMfaCode(code)) throw new StsError('MfaInvalid', MFA_CODE_SHAPE);
    const key = await this.deps.loadKey(user);
    const used: { at: number; session?: StoredSession } = { at: this.deps.clock.now() };
    this.usedCodes.set(`${serial}:${code}`, used);
    this.forgetOldCodes();
    const creds = await this.deps.sts.getSessionToken({
      key,
      region: user.region,
      ...(user.endpoint !== undefined && { endpoint: user.endpoint }),
      durationSeconds: user.sessionDurationSeconds ?? DEFAULT_MFA_SESSION_SECONDS,
      serialNumber: serial,
      tokenCode: code,
    });
    const session = { serial, creds };
    used.session = session;
    this.sessions.set(user.name, session);
    this.loaded.add(user.name);
    this.needs.delete(user.name);
    try {
      await this.deps.store.set(sessionItem(user.name), encodeSession(session));
    } catch (err) {
      // The session still works for this run; it just will not survive a restart.
      this.deps.logger.warn({ profile: user.name, err: errorMessage(err) }, 'could not save the MFA session to the store');
    }
    this.deps.logger.info({ profile: user.name, serial, expiration: creds.expiration.toISOString() }, 'MFA session started');
    return session;
  }

  private async cached(user: string): Promise<StoredSession | undefined> {
    const inMemory = this.sessions.get(user);
    if (inMemory || this.loaded.has(user)) return inMemory;
    let raw: string | undefined;
    try {
      raw = await this.deps.store.get(sessionItem(user));
    } catch (err) {
      if (err instanceof KeychainError) throw err;
      throw new KeychainError(`Could not read the MFA session of "${user}": ${errorMessage(err)}`);
    }
    this.loaded.add(user);
    const session = raw === undefined ? undefined : decodeSession(raw);
    if (session && session.creds.expiration.getTime() > this.deps.clock.now()) this.sessions.set(user, session);
    else if (raw !== undefined) await this.drop(user);
    return this.sessions.get(user);
  }

  private async codeFromProcess(command: string, user: string): Promise<string> {
    let out: string;
    try {
      out = await (this.deps.runCommand as CommandRunner)(command, 30_000);
    } catch (err) {
      throw new CreddError('MfaProcessFailed', `mfa_process for "${user}" failed: ${errorMessage(err)}.`);
    }
    const code = out.trim();
    if (!isMfaCode(code)) throw new CreddError('MfaProcessFailed', `mfa_process for "${user}" did not print a 6-digit code.`);
    return code;
  }

  private forgetOldCodes(): void {
    const cutoff = this.deps.clock.now() - USED_CODE_MEMORY_MS;
    for (const [k, used] of this.usedCodes) if (used.at < cutoff) this.usedCodes.delete(k);
  }
}
