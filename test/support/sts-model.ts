// The emulator's IAM/STS state (users, roles, MFA devices, issued sessions) and the three actions.
// Everything here works on the emulator clock passed in as `now()`; nothing here speaks HTTP.
import { randomBytes, randomInt } from 'node:crypto';
import { matchTotp, newTotpSecret, totpAt } from './totp.js';
import { StsApiError, awsTimestamp, type XmlTree } from './sts-xml.js';
import { constantTimeEqual } from './sigv4-verify.js';

export interface EmulatedUser { userName: string; accountId: string; arn: string; accessKeyId: string; secretAccessKey: string }
export interface EmulatedRole { roleName: string; accountId: string; arn: string }

export interface CreateRoleOptions {
  roleName: string;
  accountId?: string;
  trustedPrincipals?: string[];
  requireMfa?: boolean;
  externalId?: string;
  maxSessionDurationSeconds?: number;
}

interface UserRecord extends EmulatedUser { userId: string; active: boolean }
interface RoleRecord extends EmulatedRole { roleId: string; trusted: string[]; requireMfa: boolean; externalId: string | undefined; maxSessionSeconds: number }
interface MfaDevice { serial: string; secret: string; user: UserRecord; used: Set<number> }

type SessionPrincipal =
  | { kind: 'user-session'; user: UserRecord; mfa: boolean }
  | { kind: 'role-session'; role: RoleRecord; sessionName: string; mfa: boolean };
interface SessionRecord { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiresAtMs: number; active: boolean; principal: SessionPrincipal }

/** Who signed a request, once the signature has been checked. */
export type Caller = { kind: 'user'; user: UserRecord } | SessionPrincipal;

export type KeyLookup =
  | { kind: 'user'; secretAccessKey: string; caller: Caller }
  | { kind: 'session'; secretAccessKey: string; sessionToken: string; expiresAtMs: number; caller: Caller };

export type Params = (name: string) => string | undefined;

const DEFAULT_ACCOUNT = '123456789012';
const NAME_PATTERN = /^[\w+=,.@-]+$/;
const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const MFA_FAILED = 'MultiFactorAuthentication failed with invalid MFA one time pass code. ';

function randomId(prefix: string): string {
  let out = prefix;
  for (let i = 0; i < 16; i++) out += UPPER_ALNUM[randomInt(UPPER_ALNUM.length)];
  return out;
}
const newSecret = (): string => randomBytes(30).toString('base64'); // 40 chars, with + and / like real ones
const newSessionToken = (): string => `IQoJb3JpZ2luX2Vj${randomBytes(360).toString('base64')}`;

function validationError(field: string, value: string, constraint: string): StsApiError {
  return new StsApiError('ValidationError', `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${constraint}`);
}

function checkName(kind: string, name: string): void {
  if (typeof name !== 'string' || name.length < 1 || name.length > 64 || !NAME_PATTERN.test(name)) throw new Error(`invalid ${kind} name: ${String(name)}`);
}
function checkAccount(accountId: string): void {
  if (typeof accountId !== 'string' || !/^\d{12}$/.test(accountId)) throw new Error(`accountId must be 12 digits, got ${String(accountId)}`);
}

export class StsModel {
  private readonly users = new Map<string, UserRecord>(); // by arn
  private readonly userKeys = new Map<string, UserRecord>(); // by access key id
  private readonly roles = new Map<string, RoleRecord>(); // by arn
  private readonly devices = new Map<string, MfaDevice>(); // by serial
  private readonly sessions = new Map<string, SessionRecord>(); // by access key id
  private maxIssuedSeconds: number | undefined;

  constructor(private readonly now: () => number) {}

  createUser(opts: { userName: string; accountId?: string }): EmulatedUser {
    const accountId = opts.accountId ?? DEFAULT_ACCOUNT;
    checkName('user', opts.userName);
    checkAccount(accountId);
    const arn = `arn:aws:iam::${accountId}:user/${opts.userName}`;
    if (this.users.has(arn)) throw new Error(`user already exists: ${arn}`);
    const user: UserRecord = { userName: opts.userName, accountId, arn, accessKeyId: randomId('AKIA'), secretAccessKey: newSecret(), userId: randomId('AIDA'), active: true };
    this.users.set(arn, user);
    this.userKeys.set(user.accessKeyId, user);
    return { userName: user.userName, accountId, arn, accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey };
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
    });
    return { roleName: opts.roleName, accountId, arn };
  }

  addMfaDevice(userName: string): { serial: string; secret: string } {
    const matches = [...this.users.values()].filter((u) => u.userName === userName);
    const user = matches[0];
    if (!user) throw new Error(`no such user: ${String(userName)}`);
    if (matches.length > 1) throw new Error(`user name ${userName} exists in several accounts`);
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

  deactivateKey(accessKeyId: string): void {
    const target = this.userKeys.get(accessKeyId) ?? this.sessions.get(accessKeyId);
    if (!target) throw new Error(`no such access key: ${String(accessKeyId)}`);
    target.active = false;
  }

  setMaxIssuedDurationSeconds(seconds: number | undefined): void {
    if (seconds !== undefined && (!Number.isFinite(seconds) || seconds <= 0)) throw new Error('max issued duration must be a positive number of seconds');
    this.maxIssuedSeconds = seconds;
  }

  /** The secret (and for temporary keys the token and expiry) for an active access key id. */
  lookupKey(accessKeyId: string): KeyLookup | undefined {
    const user = this.userKeys.get(accessKeyId);
    if (user) return user.active ? { kind: 'user', secretAccessKey: user.secretAccessKey, caller: { kind: 'user', user } } : undefined;
    const s = this.sessions.get(accessKeyId);
    if (!s || !s.active) return undefined;
    return { kind: 'session', secretAccessKey: s.secretAccessKey, sessionToken: s.sessionToken, expiresAtMs: s.expiresAtMs, caller: s.principal };
  }

  getCallerIdentity(caller: Caller): XmlTree {
    if (caller.kind === 'role-session') {
      const { role, sessionName } = caller;
      return { UserId: `${role.roleId}:${sessionName}`, Account: role.accountId, Arn: assumedRoleArn(role, sessionName) };
    }
    return { UserId: caller.user.userId, Account: caller.user.accountId, Arn: caller.user.arn };
  }

  getSessionToken(caller: Caller, params: Params): XmlTree {
    const duration = parseDuration(params('DurationSeconds'), 43200, 129600);
    if (caller.kind !== 'user') throw new StsApiError('AccessDenied', 'Cannot call GetSessionToken with session credentials');
    const mfa = this.checkMfa(caller.user, params);
    mfa?.commit();
    const session = this.issue(duration, { kind: 'user-session', user: caller.user, mfa: mfa !== undefined });
    return { Credentials: credentialsXml(session) };
  }

  assumeRole(caller: Caller, params: Params): XmlTree {
    const roleArn = params('RoleArn');
    if (roleArn === undefined) throw validationError('roleArn', 'null', 'Member must not be null');
    if (roleArn.length < 20 || roleArn.length > 2048) throw validationError('roleArn', roleArn, 'Member must have length greater than or equal to 20');
    const sessionName = params('RoleSessionName');
    if (sessionName === undefined) throw validationError('roleSessionName', 'null', 'Member must not be null');
    if (sessionName.length < 2) throw validationError('roleSessionName', sessionName, 'Member must have length greater than or equal to 2');
    if (sessionName.length > 64) throw validationError('roleSessionName', sessionName, 'Member must have length less than or equal to 64');
    if (!NAME_PATTERN.test(sessionName)) throw validationError('roleSessionName', sessionName, 'Member must satisfy regular expression pattern: [\\w+=,.@-]*');
    const duration = parseDuration(params('DurationSeconds'), 3600, 43200);
    const externalId = params('ExternalId');
    if (externalId !== undefined && (externalId.length < 2 || externalId.length > 1224 || !/^[\w+=,.@:/-]+$/.test(externalId))) {
      throw validationError('externalId', externalId, 'Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*');
    }

    const denied = new StsApiError('AccessDenied', `User: ${callerArn(caller)} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
    const mfa = caller.kind === 'role-session' ? this.refuseMfaParams(params) : this.checkMfa(caller.user, params);
    const role = this.roles.get(roleArn);
    if (!role || !isTrusted(role, caller)) throw denied;
    if (role.externalId !== undefined && (externalId === undefined || !constantTimeEqual(externalId, role.externalId))) throw denied;
    const hasMfa = mfa !== undefined || (caller.kind !== 'user' && caller.mfa);
    if (role.requireMfa && !hasMfa) throw denied;

    const chained = caller.kind === 'role-session';
    if (chained && duration > 3600) throw new StsApiError('ValidationError', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
    if (duration > role.maxSessionSeconds) throw new StsApiError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');

    mfa?.commit();
    const session = this.issue(duration, { kind: 'role-session', role, sessionName, mfa: hasMfa });
    const policy = params('Policy');
    const sourceIdentity = params('SourceIdentity');
    return {
      SourceIdentity: sourceIdentity,
      AssumedRoleUser: { AssumedRoleId: `${role.roleId}:${sessionName}`, Arn: assumedRoleArn(role, sessionName) },
      Credentials: credentialsXml(session),
      PackedPolicySize: policy === undefined ? undefined : Math.min(100, Math.max(1, Math.ceil(policy.length / 20))),
    };
  }

  /**
   * Checks SerialNumber/TokenCode against the user's device on the emulator clock; returns undefined
   * when neither was given, or a `commit` that spends the code once the whole call succeeds.
   */
  private checkMfa(user: UserRecord, params: Params): { commit: () => void } | undefined {
    const serial = params('SerialNumber');
    const code = params('TokenCode');
    if (serial === undefined && code === undefined) return undefined;
    if (serial === undefined || code === undefined) {
      throw new StsApiError('AccessDenied', 'MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.');
    }
    if (serial.length < 9 || serial.length > 256 || !/^[\w+=/:,.@-]+$/.test(serial)) throw validationError('serialNumber', serial, 'Member must satisfy regular expression pattern: [\\w+=/:,.@-]*');
    if (!/^\d{6}$/.test(code)) throw validationError('tokenCode', code, 'Member must satisfy regular expression pattern: [\\d]* and have length 6');
    const device = this.devices.get(serial);
    if (!device || device.user !== user) {
      throw new StsApiError('AccessDenied', 'MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA serial number is valid and associated with this user.');
    }
    const counter = matchTotp(device.secret, code, this.now(), 1, (c) => device.used.has(c));
    if (counter === undefined) throw new StsApiError('AccessDenied', MFA_FAILED);
    return { commit: () => void device.used.add(counter) };
  }

  /** Role sessions own no MFA device, so any code they send fails. */
  private refuseMfaParams(params: Params): undefined {
    if (params('SerialNumber') !== undefined || params('TokenCode') !== undefined) throw new StsApiError('AccessDenied', MFA_FAILED);
    return undefined;
  }

  private issue(durationSeconds: number, principal: SessionPrincipal): SessionRecord {
    const seconds = this.maxIssuedSeconds === undefined ? durationSeconds : Math.min(durationSeconds, this.maxIssuedSeconds);
    const expiresAtMs = Math.floor(this.now() / 1000) * 1000 + Math.round(seconds * 1000);
    const session: SessionRecord = { accessKeyId: randomId('ASIA'), secretAccessKey: newSecret(), sessionToken: newSessionToken(), expiresAtMs, active: true, principal };
    this.sessions.set(session.accessKeyId, session);
    this.pruneSessions();
    return session;
  }

  /** Forget sessions that expired more than a day ago (emulator clock), so long runs stay small. */
  private pruneSessions(): void {
    const horizon = this.now() - 86_400_000;
    for (const [id, s] of this.sessions) if (s.expiresAtMs < horizon) this.sessions.delete(id);
  }
}

function parseDuration(raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  if (!/^-?\d{1,12}$/.test(raw)) throw validationError('durationSeconds', raw, 'Member must be a number');
  const value = Number(raw);
  if (value < 900) throw validationError('durationSeconds', raw, 'Member must have value greater than or equal to 900');
  if (value > max) throw validationError('durationSeconds', raw, `Member must have value less than or equal to ${max}`);
  return value;
}

function assumedRoleArn(role: RoleRecord, sessionName: string): string {
  return `arn:aws:sts::${role.accountId}:assumed-role/${role.roleName}/${sessionName}`;
}

function callerArn(caller: Caller): string {
  return caller.kind === 'role-session' ? assumedRoleArn(caller.role, caller.sessionName) : caller.user.arn;
}

function isTrusted(role: RoleRecord, caller: Caller): boolean {
  const account = caller.kind === 'role-session' ? caller.role.accountId : caller.user.accountId;
  const names = caller.kind === 'role-session' ? [caller.role.arn, assumedRoleArn(caller.role, caller.sessionName)] : [caller.user.arn];
  return role.trusted.some((p) => p === '*' || p === account || p === `arn:aws:iam::${account}:root` || names.includes(p));
}

function credentialsXml(s: SessionRecord): XmlTree {
  return { AccessKeyId: s.accessKeyId, SecretAccessKey: s.secretAccessKey, SessionToken: s.sessionToken, Expiration: awsTimestamp(s.expiresAtMs) };
}
