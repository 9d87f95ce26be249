// The three STS actions (GetCallerIdentity, GetSessionToken, AssumeRole) over the shared
// identity store. Everything here works on the emulator clock; nothing here speaks HTTP.
import { matchTotp } from './totp.js';
import { StsApiError, awsTimestamp, type XmlTree } from './sts-xml.js';
import { constantTimeEqual } from './sigv4-verify.js';
import { packedPolicyPercent, readSessionParams, type SessionParams } from './session-params.js';
import {
  NAME_PATTERN, assumedRoleArn, callerArn, explicitDeny, mfaPolicyDenies, validationError,
  type Caller, type IamStore, type Params, type RoleRecord, type SessionRecord, type UserRecord,
} from './iam-store.js';

const MFA_FAILED = 'MultiFactorAuthentication failed with invalid MFA one time pass code. ';

/** What one AssumeRole asked for, kept per issued session (by its access key id). */
export interface IssuedRoleSession extends SessionParams {
  accessKeyId: string;
  roleArn: string;
  sessionName: string;
  /** Who called AssumeRole: the user, or the assumed role of a chain's previous step. */
  callerArn: string;
}

/** Enough for any test run; the oldest records go first. */
const MAX_ISSUED_RECORDS = 10_000;

export class StsModel {
  /** Session policies and attribution of every AssumeRole that succeeded, in order. */
  readonly issued = new Map<string, IssuedRoleSession>();

  constructor(private readonly store: IamStore) {}

  private now(): number {
    return this.store.now();
  }

  /** Never denied by policy (as in AWS), so it works for requireMfa users with their plain key too. */
  getCallerIdentity(caller: Caller): XmlTree {
    if (caller.kind === 'role-session') {
      const { role, sessionName } = caller;
      return { UserId: `${role.roleId}:${sessionName}`, Account: role.accountId, Arn: assumedRoleArn(role, sessionName) };
    }
    return { UserId: caller.user.userId, Account: caller.user.accountId, Arn: caller.user.arn };
  }

  /** The MFA policy's one exception: allowed with or without MFA (without, the session is as powerless as the key). */
  getSessionToken(caller: Caller, params: Params): XmlTree {
    const duration = parseDuration(params('DurationSeconds'), 43200, 129600);
    if (caller.kind !== 'user') throw new StsApiError('AccessDenied', 'Cannot call GetSessionToken with session credentials');
    const mfa = this.checkMfa(caller.user, params);
    mfa?.commit();
    const session = this.store.issue(duration, { kind: 'user-session', user: caller.user, mfa: mfa !== undefined });
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

    const scope = readSessionParams(params);

    const denied = new StsApiError('AccessDenied', `User: ${callerArn(caller)} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
    const mfa = caller.kind === 'role-session' ? this.refuseMfaParams(params) : this.checkMfa(caller.user, params);
    // The caller's own "deny without MFA" policy (requireMfa users) is evaluated before the role's
    // trust policy: a long-term key passes only with SerialNumber+TokenCode on this very call (the
    // code was just checked), a GetSessionToken session only if it was issued with MFA; role
    // sessions are not subject to it. See mfaPolicyDenies.
    if (mfaPolicyDenies(caller, mfa !== undefined)) throw explicitDeny(caller, 'sts:AssumeRole', roleArn);
    const role = this.store.role(roleArn);
    if (!role || !isTrusted(role, caller)) throw denied;
    if (role.externalId !== undefined && (externalId === undefined || !constantTimeEqual(externalId, role.externalId))) throw denied;
    const hasMfa = mfa !== undefined || (caller.kind !== 'user' && caller.mfa);
    if (role.requireMfa && !hasMfa) throw denied;

    const chained = caller.kind === 'role-session';
    if (chained && duration > 3600) throw new StsApiError('ValidationError', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
    if (duration > role.maxSessionSeconds) throw new StsApiError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');

    mfa?.commit();
    const session = this.store.issue(duration, { kind: 'role-session', role, sessionName, mfa: hasMfa });
    this.issued.set(session.accessKeyId, { ...scope, accessKeyId: session.accessKeyId, roleArn: role.arn, sessionName, callerArn: callerArn(caller) });
    if (this.issued.size > MAX_ISSUED_RECORDS) this.issued.delete(this.issued.keys().next().value ?? '');
    return {
      SourceIdentity: scope.sourceIdentity,
      AssumedRoleUser: { AssumedRoleId: `${role.roleId}:${sessionName}`, Arn: assumedRoleArn(role, sessionName) },
      Credentials: credentialsXml(session),
      PackedPolicySize: packedPolicyPercent(scope),
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
    const device = this.store.device(serial);
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
}

function parseDuration(raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  if (!/^-?\d{1,12}$/.test(raw)) throw validationError('durationSeconds', raw, 'Member must be a number');
  const value = Number(raw);
  if (value < 900) throw validationError('durationSeconds', raw, 'Member must have value greater than or equal to 900');
  if (value > max) throw validationError('durationSeconds', raw, `Member must have value less than or equal to ${max}`);
  return value;
}

function isTrusted(role: RoleRecord, caller: Caller): boolean {
  const account = caller.kind === 'role-session' ? caller.role.accountId : caller.user.accountId;
  const names = caller.kind === 'role-session' ? [caller.role.arn, assumedRoleArn(caller.role, caller.sessionName)] : [caller.user.arn];
  return role.trusted.some((p) => p === '*' || p === account || p === `arn:aws:iam::${account}:root` || names.includes(p));
}

function credentialsXml(s: SessionRecord): XmlTree {
  return { AccessKeyId: s.accessKeyId, SecretAccessKey: s.secretAccessKey, SessionToken: s.sessionToken, Expiration: awsTimestamp(s.expiresAtMs) };
}
