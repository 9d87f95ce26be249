// The state of the IAM Identity Center emulator (sso-emulator.ts): OIDC client registrations,
// device authorizations, sign-in sessions with their access and refresh tokens, and the
// account/role entitlements the portal checks. Everything here works on the emulator clock
// passed in as `now()`; nothing here speaks HTTP. Errors carry the wire shape the SDKs expect.
import { randomBytes, randomInt } from 'node:crypto';
import { randomId } from './iam-store.js';

export interface IssuedRoleCredentials { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: Date }
/** Mints the role credentials GetRoleCredentials returns (e.g. from the STS emulator's issueRoleSession). */
export type IssueRoleCredentials = (accountId: string, roleName: string, ctx: { durationSeconds: number; user: string; startUrl: string }) => IssuedRoleCredentials;

export interface EntitleOptions {
  /** Only for sessions of this user (the `user` given to approve); default: every user. */
  user?: string;
  /** Only for sessions signed in at this start URL; default: every start URL. */
  startUrl?: string;
  /** Lifetime of the role credentials (the permission set's session duration). Default 3600. */
  sessionDurationSeconds?: number;
}

export interface SsoSettings {
  pollIntervalSeconds: number;
  deviceCodeLifetimeSeconds: number;
  accessTokenLifetimeSeconds: number;
  /** The sign-in session: refresh tokens (and access tokens) end with it. */
  sessionLifetimeSeconds: number;
  /** slow_down (and +5 s on the required interval, RFC 8628 §3.5) for polls faster than the interval. */
  enforcePollInterval: boolean;
  /** A refresh grant returns a new refresh token and retires the one presented. */
  rotateRefreshTokens: boolean;
  defaultUser: string;
}

/** An error as the service answers it: HTTP status, x-amzn-ErrorType and the JSON body. */
export class SsoApiError extends Error {
  constructor(readonly status: number, readonly type: string, readonly body: Record<string, string>) {
    super(`${type}: ${body['error_description'] ?? body['message'] ?? ''}`);
  }
}

/** OIDC errors (restJson1): `{"error":"<oauth code>","error_description":"..."}`. */
export function oidcError(type: string, error: string, description: string, status = 400): SsoApiError {
  return new SsoApiError(status, type, { error, error_description: description });
}
/** Portal errors (restJson1): `{"message":"..."}`. */
export function portalError(status: number, type: string, message: string): SsoApiError {
  return new SsoApiError(status, type, { message });
}

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const SCOPE_PATTERN = /^[\w:.*/-]{1,128}$/;
const UNAUTHORIZED = (): SsoApiError => portalError(401, 'UnauthorizedException', 'Session token not found or invalid');
const USER_CODE_LETTERS = 'BCDFGHJKLMNPQRSTVWXZ'; // no vowels, as real user codes

interface ClientRecord { clientId: string; clientSecret: string; clientName: string; scopes: string[]; grantTypes: string[] | undefined; secretExpiresAtMs: number }
interface DeviceRecord {
  deviceCode: string; userCode: string; client: ClientRecord; startUrl: string; expiresAtMs: number;
  intervalSeconds: number; state: 'pending' | 'approved' | 'denied' | 'redeemed'; user: string; lastPollMs: number | undefined;
}
interface SessionRecord { user: string; startUrl: string; endsAtMs: number; revoked: boolean }
interface AccessTokenRecord { session: SessionRecord; expiresAtMs: number }
interface RefreshTokenRecord { session: SessionRecord; client: ClientRecord; retired: boolean }
interface Entitlement { accountId: string; roleName: string; user: string | undefined; startUrl: string | undefined; durationSeconds: number }

type Body = Record<string, unknown>;

function reqString(body: Body, key: string): string {
  const v = body[key];
  if (typeof v !== 'string' || v === '') throw oidcError('InvalidRequestException', 'invalid_request', `Missing or invalid ${key}`);
  return v;
}
function optStrings(body: Body, key: string): string[] | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw oidcError('InvalidRequestException', 'invalid_request', `Invalid ${key}`);
  return v as string[];
}
const token = (prefix: string, bytes: number): string => `${prefix}${randomBytes(bytes).toString('base64url')}`;
function userCode(): string {
  let s = '';
  for (let i = 0; i < 8; i++) s += (i === 4 ? '-' : '') + USER_CODE_LETTERS[randomInt(USER_CODE_LETTERS.length)];
  return s;
}
const normalizeCode = (code: string): string => code.toUpperCase().replace(/[^A-Z]/g, '');
const seconds = (ms: number): number => Math.floor(ms / 1000);

export function checkSeconds(name: string, value: number, min = 1): void {
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number >= ${min}`);
}

export class SsoModel {
  private readonly clients = new Map<string, ClientRecord>();
  private readonly devices = new Map<string, DeviceRecord>(); // by device code
  private readonly accessTokens = new Map<string, AccessTokenRecord>();
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  private readonly sessions = new Set<SessionRecord>();
  private readonly entitlements: Entitlement[] = [];
  private forcedSlowDowns = 0;

  constructor(
    private readonly now: () => number,
    readonly settings: SsoSettings,
    private readonly issue: IssueRoleCredentials | undefined,
  ) {}

  // ---- OIDC ----

  registerClient(body: Body): object {
    const clientName = reqString(body, 'clientName');
    const clientType = reqString(body, 'clientType');
    if (clientType !== 'public') throw oidcError('InvalidClientMetadataException', 'invalid_client_metadata', `Invalid client type: ${clientType.slice(0, 32)}`);
    const scopes = optStrings(body, 'scopes') ?? [];
    const bad = scopes.find((s) => !SCOPE_PATTERN.test(s));
    if (bad !== undefined) throw oidcError('InvalidScopeException', 'invalid_scope', `Invalid scope: ${bad.slice(0, 64)}`);
    const grantTypes = optStrings(body, 'grantTypes');
    const issuedMs = this.now();
    const client: ClientRecord = {
      clientId: token('', 16), clientSecret: token('eyJ', 96), clientName,
      scopes, grantTypes, secretExpiresAtMs: issuedMs + 90 * 86_400_000,
    };
    this.clients.set(client.clientId, client);
    return { clientId: client.clientId, clientSecret: client.clientSecret, clientIdIssuedAt: seconds(issuedMs), clientSecretExpiresAt: seconds(client.secretExpiresAtMs) };
  }

  startDeviceAuthorization(body: Body, baseUrl: string): object {
    const client = this.client(body);
    const startUrl = reqString(body, 'startUrl');
    if (client.grantTypes !== undefined && !client.grantTypes.includes(DEVICE_GRANT)) {
      throw oidcError('UnauthorizedClientException', 'unauthorized_client', 'Client is not registered for the device code grant');
    }
    let code = userCode();
    while (this.byUserCode(code)) code = userCode();
    const device: DeviceRecord = {
      deviceCode: token('', 64), userCode: code, client, startUrl, expiresAtMs: this.now() + this.settings.deviceCodeLifetimeSeconds * 1000,
      intervalSeconds: this.settings.pollIntervalSeconds, state: 'pending', user: this.settings.defaultUser, lastPollMs: undefined,
    };
    this.devices.set(device.deviceCode, device);
    this.prune();
    return {
      deviceCode: device.deviceCode, userCode: code, verificationUri: `${baseUrl}/device`, verificationUriComplete: `${baseUrl}/device?user_code=${code}`,
      expiresIn: this.settings.deviceCodeLifetimeSeconds, interval: this.settings.pollIntervalSeconds,
    };
  }

  /** 'CreateToken' (device code) or 'CreateToken:refresh', for counting before the grant is checked. */
  static tokenAction(body: Body): string {
    return body['grantType'] === 'refresh_token' ? 'CreateToken:refresh' : 'CreateToken';
  }

  createToken(body: Body): object {
    const client = this.client(body);
    const grantType = reqString(body, 'grantType');
    if (grantType === DEVICE_GRANT) return this.deviceGrant(client, reqString(body, 'deviceCode'));
    if (grantType === 'refresh_token') return this.refreshGrant(client, reqString(body, 'refreshToken'));
    throw oidcError('UnsupportedGrantTypeException', 'unsupported_grant_type', `Unsupported grant type: ${grantType.slice(0, 64)}`);
  }

  private deviceGrant(client: ClientRecord, deviceCode: string): object {
    const device = this.devices.get(deviceCode);
    if (!device || device.client !== client) throw oidcError('InvalidGrantException', 'invalid_grant', 'Invalid device code provided');
    const at = this.now();
    if (at >= device.expiresAtMs) throw oidcError('ExpiredTokenException', 'expired_token', 'Device code has expired');
    if (device.state === 'redeemed') throw oidcError('InvalidGrantException', 'invalid_grant', 'Device code has already been used');
    if (device.state === 'denied') throw oidcError('AccessDeniedException', 'access_denied', 'The user denied the authorization request');
    const last = device.lastPollMs;
    device.lastPollMs = at;
    // 50 ms of slack: a client sleeping exactly `interval` may land a hair early on a ms clock.
    const tooFast = this.settings.enforcePollInterval && last !== undefined && at - last < device.intervalSeconds * 1000 - 50;
    if (this.forcedSlowDowns > 0 || tooFast) {
      if (this.forcedSlowDowns > 0) this.forcedSlowDowns--;
      device.intervalSeconds += 5;
      throw oidcError('SlowDownException', 'slow_down', 'Client is polling too frequently');
    }
    if (device.state === 'pending') throw oidcError('AuthorizationPendingException', 'authorization_pending', 'Authorization is still pending');
    device.state = 'redeemed';
    const session: SessionRecord = { user: device.user, startUrl: device.startUrl, endsAtMs: at + this.settings.sessionLifetimeSeconds * 1000, revoked: false };
    this.sessions.add(session);
    return this.tokens(session, client);
  }

  private refreshGrant(client: ClientRecord, refreshToken: string): object {
    const record = this.refreshTokens.get(refreshToken);
    const invalid = oidcError('InvalidGrantException', 'invalid_grant', 'Invalid refresh token provided');
    if (!record || record.retired || record.client !== client || !this.live(record.session)) throw invalid;
    if (this.settings.rotateRefreshTokens) record.retired = true;
    const out = this.tokens(record.session, client);
    return this.settings.rotateRefreshTokens ? out : { ...out, refreshToken };
  }

  /** A new access token (capped at the session's end) and, for clients registered with scopes, a refresh token. */
  private tokens(session: SessionRecord, client: ClientRecord): object {
    const at = this.now();
    const expiresAtMs = Math.min(at + this.settings.accessTokenLifetimeSeconds * 1000, session.endsAtMs);
    const accessToken = token('aoaAAAAAG', 120);
    this.accessTokens.set(accessToken, { session, expiresAtMs });
    const out: Record<string, unknown> = { accessToken, tokenType: 'Bearer', expiresIn: Math.max(0, seconds(expiresAtMs - at)) };
    if (client.scopes.length > 0 && (client.grantTypes === undefined || client.grantTypes.includes('refresh_token'))) {
      const refreshToken = token('aorAAAAAG', 120);
      this.refreshTokens.set(refreshToken, { session, client, retired: false });
      out['refreshToken'] = refreshToken;
    }
    return out;
  }

  private client(body: Body): ClientRecord {
    const clientId = reqString(body, 'clientId');
    const clientSecret = reqString(body, 'clientSecret');
    const client = this.clients.get(clientId);
    if (!client || client.clientSecret !== clientSecret) throw oidcError('InvalidClientException', 'invalid_client', 'Invalid client provided', 401);
    if (this.now() >= client.secretExpiresAtMs) throw oidcError('InvalidClientException', 'invalid_client', 'Client secret has expired', 401);
    return client;
  }

  // ---- the portal ----

  getRoleCredentials(accessToken: string | undefined, accountId: string | undefined, roleName: string | undefined): object {
    const session = this.sessionOf(accessToken);
    if (!accountId || !roleName) throw portalError(400, 'InvalidRequestException', 'account_id and role_name are required');
    const grant = this.entitlementsOf(session).find((e) => e.accountId === accountId && e.roleName === roleName);
    if (!grant) throw portalError(403, 'ForbiddenException', 'No access');
    const ctx = { durationSeconds: grant.durationSeconds, user: session.user, startUrl: session.startUrl };
    const c = this.issue?.(accountId, roleName, ctx) ?? {
      accessKeyId: randomId('ASIA'),
      secretAccessKey: randomBytes(30).toString('base64'), sessionToken: token('IQoJb3JpZ2luX2Vj', 300),
      expiration: new Date(seconds(this.now()) * 1000 + grant.durationSeconds * 1000),
    };
    return { roleCredentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, expiration: c.expiration.getTime() } };
  }

  listAccounts(accessToken: string | undefined): object {
    const ids = [...new Set(this.entitlementsOf(this.sessionOf(accessToken)).map((e) => e.accountId))];
    return { accountList: ids.map((accountId) => ({ accountId, accountName: `account-${accountId}`, emailAddress: `aws+${accountId}@example.com` })) };
  }

  listAccountRoles(accessToken: string | undefined, accountId: string | undefined): object {
    const session = this.sessionOf(accessToken);
    if (!accountId) throw portalError(400, 'InvalidRequestException', 'account_id is required');
    const names = [...new Set(this.entitlementsOf(session).filter((e) => e.accountId === accountId).map((e) => e.roleName))];
    return { roleList: names.map((roleName) => ({ roleName, accountId })) };
  }

  /** Ends the sign-in session: its access and refresh tokens stop working. */
  logout(accessToken: string | undefined): void {
    this.sessionOf(accessToken).revoked = true;
  }

  private sessionOf(accessToken: string | undefined): SessionRecord {
    const record = accessToken === undefined ? undefined : this.accessTokens.get(accessToken);
    if (!record || this.now() >= record.expiresAtMs || !this.live(record.session)) throw UNAUTHORIZED();
    return record.session;
  }

  private live(session: SessionRecord): boolean {
    return !session.revoked && this.now() < session.endsAtMs;
  }

  private entitlementsOf(session: SessionRecord): Entitlement[] {
    return this.entitlements.filter((e) => (e.user === undefined || e.user === session.user) && (e.startUrl === undefined || e.startUrl === session.startUrl));
  }

  // ---- test controls ----

  approve(code: string, user: string | undefined): void {
    const device = this.pendingDevice(code);
    device.state = 'approved';
    device.user = user ?? this.settings.defaultUser;
  }

  deny(code: string): void {
    this.pendingDevice(code).state = 'denied';
  }

  pendingUserCodes(): string[] {
    const at = this.now();
    return [...this.devices.values()].filter((d) => d.state === 'pending' && at < d.expiresAtMs).map((d) => d.userCode);
  }

  entitle(accountId: string, roleName: string, opts: EntitleOptions): void {
    if (typeof accountId !== 'string' || !/^\d{12}$/.test(accountId)) throw new Error(`accountId must be 12 digits, got ${String(accountId)}`);
    if (typeof roleName !== 'string' || !/^[\w+=,.@-]{1,64}$/.test(roleName)) throw new Error(`invalid role name: ${String(roleName)}`);
    const durationSeconds = opts.sessionDurationSeconds ?? 3600;
    checkSeconds('sessionDurationSeconds', durationSeconds, 1);
    this.entitlements.push({ accountId, roleName, user: opts.user, startUrl: opts.startUrl, durationSeconds });
  }

  forceSlowDown(times: number): void {
    if (!Number.isInteger(times) || times < 0) throw new Error('forceSlowDown needs an integer >= 0');
    this.forcedSlowDowns = times;
  }

  /** Every sign-in session ends (as if an administrator revoked them): tokens stop working. */
  revokeAll(): void {
    for (const s of this.sessions) s.revoked = true;
  }

  private byUserCode(code: string): DeviceRecord | undefined {
    const wanted = normalizeCode(code);
    return [...this.devices.values()].find((d) => normalizeCode(d.userCode) === wanted);
  }

  private pendingDevice(code: string): DeviceRecord {
    const device = this.byUserCode(String(code));
    if (!device) throw new Error(`no such user code: ${String(code)}`);
    if (device.state !== 'pending') throw new Error(`user code ${device.userCode} is already ${device.state}`);
    if (this.now() >= device.expiresAtMs) throw new Error(`user code ${device.userCode} has expired`);
    return device;
  }

  /** Forgets what ended more than a day ago (emulator clock), so long runs stay small. */
  private prune(): void {
    const horizon = this.now() - 86_400_000;
    for (const [k, d] of this.devices) if (d.expiresAtMs < horizon) this.devices.delete(k);
    for (const [k, t] of this.accessTokens) if (t.expiresAtMs < horizon) this.accessTokens.delete(k);
    for (const s of this.sessions) {
      if (s.endsAtMs >= horizon) continue;
      this.sessions.delete(s);
      for (const [k, r] of this.refreshTokens) if (r.session === s) this.refreshTokens.delete(k);
    }
  }
}
