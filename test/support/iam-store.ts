// The emulator's identity state, shared by its STS, IAM and federation parts: IAM users with
// their access keys, roles, MFA devices, and the temporary credentials STS issued. Everything
// here works on the emulator clock passed in as `now()`; nothing here speaks HTTP.
import { randomBytes, randomInt } from 'node:crypto';
import { newTotpSecret, totpAt } from './totp.js';
import { StsApiError } from './sts-xml.js';

export interface EmulatedUser { userName: string; accountId: string; arn: string; accessKeyId: string; secretAccessKey: string }
export interface EmulatedRole { roleName: string; accountId: string; arn: string }
/** An access key as ListAccessKeys describes it (no secret); createdAt on the emulator clock (ms). */
export interface EmulatedAccessKey { accessKeyId: string; status: AccessKeyStatus; createdAt: number }
export type AccessKeyStatus = 'Active' | 'Inactive';

export interface CreateUserOptions {
  userName: string;
  accountId?: string;
  /** Gives the user the "deny everything without MFA" identity policy: see `mfaPolicyDenies`. */
  requireMfa?: boolean;
}

export interface CreateRoleOptions {
  roleName: string;
  accountId?: string;
  trustedPrincipals?: string[];
  requireMfa?: boolean;
  externalId?: string;
  maxSessionDurationSeconds?: number;
  /** Trust web identity tokens of the emulator's issuer with this audience (and subject, when given). */
  webIdentity?: { audience: string; subject?: string };
}

export interface UserRecord { userName: string; accountId: string; arn: string; userId: string; createdAtMs: number; requireMfa: boolean }
export interface AccessKeyRecord { accessKeyId: string; secretAccessKey: string; user: UserRecord; status: AccessKeyStatus; createdAtMs: number }
export interface RoleRecord extends EmulatedRole {
  roleId: string; trusted: string[]; requireMfa: boolean; externalId: string | undefined; maxSessionSeconds: number;
  webIdentity: { audience: string; subject?: string } | undefined;
}
export interface MfaDevice { serial: string; secret: string; user: UserRecord; used: Set<number> }

export type SessionPrincipal =
  | { kind: 'user-session'; user: UserRecord; mfa: boolean }
  | { kind: 'role-session'; role: RoleRecord; sessionName: string; mfa: boolean };
export interface SessionRecord { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiresAtMs: number; active: boolean; principal: SessionPrincipal }

/** Who signed a request, once the signature has been checked. */
export type Caller = { kind: 'user'; user: UserRecord } | SessionPrincipal;

export type KeyLookup =
  | { kind: 'user'; secretAccessKey: string; caller: Caller }
  | { kind: 'session'; secretAccessKey: string; sessionToken: string; expiresAtMs: number; caller: Caller };

export type Params = (name: string) => string | undefined;

export const DEFAULT_ACCOUNT = '123456789012';
export const NAME_PATTERN = /^[\w+=,.@-]+$/;
/** IAM's AccessKeysPerUser quota. */
export const MAX_KEYS_PER_USER = 2;
const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export function randomId(prefix: string): string {
  let out = prefix;
  for (let i = 0; i < 16; i++) out += UPPER_ALNUM[randomInt(UPPER_ALNUM.length)];
  return out;
}
const newSecret = (): string => randomBytes(30).toString('base64'); // 40 chars, with + and / like real ones
const newSessionToken = (): string => `IQoJb3JpZ2luX2Vj${randomBytes(360).toString('base64')}`;

export function validationError(field: string, value: string, constraint: string): StsApiError {
  return new StsApiError('ValidationError', `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${constraint}`);
}

export function assumedRoleArn(role: RoleRecord, sessionName: string): string {
  return `arn:aws:sts::${role.accountId}:assumed-role/${role.roleName}/${sessionName}`;
}

export function callerArn(caller: Caller): string {
  return caller.kind === 'role-session' ? assumedRoleArn(caller.role, caller.sessionName) : caller.user.arn;
}

/**
 * The seed practice's identity policy for users created with `requireMfa`: Deny every action but
 * sts:GetSessionToken when aws:MultiFactorAuthPresent is false or absent (BoolIfExists). Being
 * the user's policy, it governs requests signed with the user's own keys or with its
 * GetSessionToken sessions — never role sessions, which only the role's policies govern:
 *  - long-term key: MFA absent, so denied — except AssumeRole carrying SerialNumber+TokenCode
 *    (`inlineMfa`; the code is checked before this is asked, and the request then counts as
 *    MFA-authenticated, as does the role session it yields);
 *  - GetSessionToken session: allowed when it was issued with MFA, denied otherwise;
 *  - the callers skip sts:GetSessionToken (the policy's exception) and sts:GetCallerIdentity,
 *    which AWS answers whatever the policies say (an explicit deny has no effect on it).
 */
export function mfaPolicyDenies(caller: Caller, inlineMfa: boolean): boolean {
  if (caller.kind === 'role-session' || !caller.user.requireMfa) return false;
  if (caller.kind === 'user-session' && caller.mfa) return false;
  return !inlineMfa;
}

export function explicitDeny(caller: Caller, action: string, resource: string): StsApiError {
  return new StsApiError('AccessDenied', `User: ${callerArn(caller)} is not authorized to perform: ${action} on resource: ${resource} with an explicit deny in an identity-based policy`);
}

function checkName(kind: string, name: string): void {
  if (typeof name !== 'string' || name.length < 1 || name.length > 64 || !NAME_PATTERN.test(name)) throw new Error(`invalid ${kind} name: ${String(name)}`);
}
function checkAccount(accountId: string): void {
  if (typeof accountId !== 'string' || !/^\d{12}$/.test(accountId)) throw new Error(`accountId must be 12 digits, got ${String(accountId)}`);
}

export class IamStore {
  private readonly users = new Map<string, UserRecord>(); // by arn
  private readonly keys = new Map<string, AccessKeyRecord>(); // user access keys, by id, in creation order
  private readonly roles = new Map<string, RoleRecord>(); // by arn
  private readonly devices = new Map<string, MfaDevice>(); // by serial
  private readonly sessions = new Map<string, SessionRecord>(); // by access key id
  private maxIssuedSeconds: number | undefined;

  constructor(readonly now: () => number) {}

  /** A user with one active access key (so one more fits in the quota of two). */
  createUser(opts: CreateUserOptions): EmulatedUser {
    const accountId = opts.accountId ?? DEFAULT_ACCOUNT;
    checkName('user', opts.userName);
    checkAccount(accountId);
    if (opts.requireMfa !== undefined && typeof opts.requireMfa !== 'boolean') throw new Error('requireMfa must be a boolean');
    const arn = `arn:aws:iam::${accountId}:user/${opts.userName}`;
    if (this.users.has(arn)) throw new Error(`user already exists: ${arn}`);
    const user: UserRecord = { userName: opts.userName, accountId, arn, userId: randomId('AIDA'), createdAtMs: this.now(), requireMfa: opts.requireMfa === true };
    this.users.set(arn, user);
    const key = this.addAccessKey(user);
    return { userName: user.userName, accountId, arn, accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
  }

  createRole(opts: CreateRoleOptions): EmulatedRole {
    const accountId = opts.accountId ?? DEFAULT_ACCOUNT;
    checkName('role', opts.roleName);
    checkAccount(accountId);
    const max = opts.maxSessionDurationSeconds ?? 3600;
    if (!Number.isInteger(max) || max < 3600 || max > 43200) throw new Error('maxSessionDurationSeconds must be an integer in 3600..43200');
    const trusted = opts.trustedPrincipals ?? [accountId];
    if (!Array.isArray(trusted) || trusted.some((p) => typeof p !== 'string' || !(/^\d{12}$/.test(p) || p === '*' || p.startsWith('arn:')))) {
      throw new Error('trustedPrincipals must be ARNs, 12-digit account ids or "*"');
    }
    if (opts.externalId !== undefined && (typeof opts.externalId !== 'string' || opts.externalId.length < 2)) throw new Error('externalId must be a string of 2+ characters');
    const arn = `arn:aws:iam::${accountId}:role/${opts.roleName}`;
    if (this.roles.has(arn)) throw new Error(`role already exists: ${arn}`);
    this.roles.set(arn, {
      roleName: opts.roleName, accountId, arn, roleId: randomId('AROA'), trusted: [...trusted],
      requireMfa: opts.requireMfa === true, externalId: opts.externalId, maxSessionSeconds: max,
      webIdentity: opts.webIdentity === undefined ? undefined : { ...opts.webIdentity },
    });
    return { roleName: opts.roleName, accountId, arn };
  }

  addMfaDevice(userName: string): { serial: string; secret: string } {
    const user = this.userNamed(userName);
    const serial = `arn:aws:iam::${user.accountId}:mfa/${user.userName}`;
    const device: MfaDevice = { serial, secret: newTotpSecret(), user, used: new Set() };
    this.devices.set(serial, device);
    return { serial, secret: device.secret };
  }

  totp(serial: string, atMs?: number): string {
    const device = this.devices.get(serial);
    if (!device) throw new Error(`no such MFA device: ${String(serial)}`);
    return totpAt(device.secret, atMs ?? this.now());
  }

  device(serial: string): MfaDevice | undefined {
    return this.devices.get(serial);
  }

  role(arn: string): RoleRecord | undefined {
    return this.roles.get(arn);
  }

  findUser(accountId: string, userName: string): UserRecord | undefined {
    return this.users.get(`arn:aws:iam::${accountId}:user/${userName}`);
  }

  /** The user's access keys, oldest first. */
  keysOf(user: UserRecord): AccessKeyRecord[] {
    return [...this.keys.values()].filter((k) => k.user === user);
  }

  /** A new active key; the quota is the IAM action's business, not the store's. */
  addAccessKey(user: UserRecord): AccessKeyRecord {
    const key: AccessKeyRecord = { accessKeyId: randomId('AKIA'), secretAccessKey: newSecret(), user, status: 'Active', createdAtMs: this.now() };
    this.keys.set(key.accessKeyId, key);
    return key;
  }

  /** Gone for good: requests signed with it get InvalidClientTokenId; sessions it issued live on. */
  deleteAccessKey(key: AccessKeyRecord): void {
    this.keys.delete(key.accessKeyId);
  }

  /** For tests: the keys of a user (by name, as addMfaDevice), without secrets. */
  accessKeys(userName: string, accountId?: string): EmulatedAccessKey[] {
    const user = accountId === undefined ? this.userNamed(userName) : this.findUser(accountId, userName);
    if (!user) throw new Error(`no such user: ${String(userName)} in ${String(accountId)}`);
    return this.keysOf(user).map((k) => ({ accessKeyId: k.accessKeyId, status: k.status, createdAt: k.createdAtMs }));
  }

  deactivateKey(accessKeyId: string): void {
    const key = this.keys.get(accessKeyId);
    if (key) key.status = 'Inactive';
    const session = this.sessions.get(accessKeyId);
    if (session) session.active = false;
    if (!key && !session) throw new Error(`no such access key: ${String(accessKeyId)}`);
  }

  setMaxIssuedDurationSeconds(seconds: number | undefined): void {
    if (seconds !== undefined && (!Number.isFinite(seconds) || seconds <= 0)) throw new Error('max issued duration must be a positive number of seconds');
    this.maxIssuedSeconds = seconds;
  }

  /** The secret (and for temporary keys the token and expiry) for an active access key id. */
  lookupKey(accessKeyId: string): KeyLookup | undefined {
    const key = this.keys.get(accessKeyId);
    if (key) return key.status === 'Active' ? { kind: 'user', secretAccessKey: key.secretAccessKey, caller: { kind: 'user', user: key.user } } : undefined;
    const s = this.sessions.get(accessKeyId);
    if (!s || !s.active) return undefined;
    return { kind: 'session', secretAccessKey: s.secretAccessKey, sessionToken: s.sessionToken, expiresAtMs: s.expiresAtMs, caller: s.principal };
  }

  issue(durationSeconds: number, principal: SessionPrincipal): SessionRecord {
    const seconds = this.maxIssuedSeconds === undefined ? durationSeconds : Math.min(durationSeconds, this.maxIssuedSeconds);
    const expiresAtMs = Math.floor(this.now() / 1000) * 1000 + Math.round(seconds * 1000);
    const session: SessionRecord = { accessKeyId: randomId('ASIA'), secretAccessKey: newSecret(), sessionToken: newSessionToken(), expiresAtMs, active: true, principal };
    this.sessions.set(session.accessKeyId, session);
    this.pruneSessions();
    return session;
  }

  private userNamed(userName: string): UserRecord {
    const matches = [...this.users.values()].filter((u) => u.userName === userName);
    const user = matches[0];
    if (!user) throw new Error(`no such user: ${String(userName)}`);
    if (matches.length > 1) throw new Error(`user name ${userName} exists in several accounts`);
    return user;
  }

  /** Forget sessions that expired more than a day ago (emulator clock), so long runs stay small. */
  private pruneSessions(): void {
    const horizon = this.now() - 86_400_000;
    for (const [id, s] of this.sessions) if (s.expiresAtMs < horizon) this.sessions.delete(id);
  }
}
