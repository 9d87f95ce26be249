// An IAM Identity Center emulator for tests: the SSO OIDC service (RegisterClient,
// StartDeviceAuthorization, CreateToken) and the SSO portal (GetRoleCredentials, ListAccounts,
// ListAccountRoles, Logout) on one node:http port on 127.0.0.1, speaking the real restJson1
// protocol of @aws-sdk/client-sso-oidc and @aws-sdk/client-sso. Point clients at it with
// AWS_ENDPOINT_URL_SSO_OIDC and AWS_ENDPOINT_URL_SSO (both = `url`) or `endpoint`. The test plays
// the user in the browser (approve/deny a user code). State lives in sso-model.ts.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { SsoApiError, SsoModel, checkSeconds, oidcError, portalError, type EntitleOptions, type IssueRoleCredentials, type SsoSettings } from './sso-model.js';
import { handleAdmin } from './admin-api.js';
import { ssoAdminVerbs } from './sso-emulator-admin.js';
import { EmulatorFaults, type EmulatorFault } from './emulator-faults.js';

export type { EntitleOptions, IssueRoleCredentials, IssuedRoleCredentials } from './sso-model.js';
export type SsoFault = EmulatorFault;
export interface SsoCall { action: string; ok: boolean; code?: string; at: number }

export interface SsoEmulator {
  /** Both services' endpoint: AWS_ENDPOINT_URL_SSO_OIDC and AWS_ENDPOINT_URL_SSO. */
  readonly url: string;
  readonly port: number;
  /** The user confirms the code in the browser (case and hyphen don't matter); `user` names who signed in. Throws for unknown/used/expired codes. */
  approve(userCode: string, opts?: { user?: string }): void;
  /** The user clicks "Deny": the next poll gets access_denied. */
  deny(userCode: string): void;
  /** User codes waiting for approve/deny and not expired, oldest first. */
  pendingUserCodes(): string[];
  /** Lets users (all, or `opts.user`/`opts.startUrl` only) get credentials for the role in the account. */
  entitle(accountId: string, roleName: string, opts?: EntitleOptions): void;
  setAccessTokenLifetimeSeconds(seconds: number): void;
  /** The sign-in session, counted from approval: refresh tokens stop working after it. */
  setSessionLifetimeSeconds(seconds: number): void;
  /** The `interval` StartDeviceAuthorization returns (and enforces) from now on. */
  setPollInterval(seconds: number): void;
  /** The next `times` device-code polls get slow_down (each also adds 5 s to that code's interval). */
  forceSlowDown(times: number): void;
  /** Emulator clock = Date.now() + offsetMs: moving it expires device codes, tokens, sessions. */
  advance(ms: number): void;
  now(): number;
  /**
   * A snapshot: per action — RegisterClient, StartDeviceAuthorization, CreateToken (device-code
   * grant), CreateToken:refresh, GetRoleCredentials, ListAccounts, ListAccountRoles, Logout —
   * successful and failed, plus 'rejected:<ErrorType>' (e.g. rejected:AuthorizationPendingException).
   */
  readonly counts: Record<string, number>;
  readonly calls: SsoCall[];
  resetCounts(): void;
  /** Ends every sign-in session: all access and refresh tokens stop working. */
  revokeAll(): void;
  /** As StsEmulator.setFault: throttle is 429 TooManyRequestsException, server-error 500 InternalServerException. */
  setFault(fault: SsoFault | null, opts?: { times?: number; actions?: string[] }): void;
  close(): Promise<void>;
}

export interface StartSsoEmulatorOptions {
  port?: number;
  /** Serve the test-only admin API under /__admin/ (sso-emulator-client.ts). Default false. */
  admin?: boolean;
  /** Mints GetRoleCredentials' credentials; default: random ones that nothing else accepts. */
  issue?: IssueRoleCredentials;
  /** Default 1. */
  pollIntervalSeconds?: number;
  /** Default 600. */
  deviceCodeLifetimeSeconds?: number;
  /** Default 28800 (8 h). */
  accessTokenLifetimeSeconds?: number;
  /** Default 90 days. */
  sessionLifetimeSeconds?: number;
  /** Default true: polls faster than the interval get slow_down. */
  enforcePollInterval?: boolean;
  /** Default true: each refresh grant returns a new refresh token and retires the old one. */
  rotateRefreshTokens?: boolean;
  /** Who approve() signs in when not told. Default 'sso-user@example.com'. */
  defaultUser?: string;
}

const MAX_BODY_BYTES = 64 * 1024;
const MAX_CALLS = 50_000;
const ROUTES: Record<string, { method: string; action: string; oidc: boolean }> = {
  '/client/register': { method: 'POST', action: 'RegisterClient', oidc: true },
  '/device_authorization': { method: 'POST', action: 'StartDeviceAuthorization', oidc: true },
  '/token': { method: 'POST', action: 'CreateToken', oidc: true },
  '/federation/credentials': { method: 'GET', action: 'GetRoleCredentials', oidc: false },
  '/assignment/accounts': { method: 'GET', action: 'ListAccounts', oidc: false },
  '/assignment/roles': { method: 'GET', action: 'ListAccountRoles', oidc: false },
  '/logout': { method: 'POST', action: 'Logout', oidc: false },
};

export async function startSsoEmulator(opts: StartSsoEmulatorOptions = {}): Promise<SsoEmulator> {
  let offsetMs = 0;
  const now = (): number => Date.now() + offsetMs;
  const settings: SsoSettings = {
    pollIntervalSeconds: opts.pollIntervalSeconds ?? 1,
    deviceCodeLifetimeSeconds: opts.deviceCodeLifetimeSeconds ?? 600,
    accessTokenLifetimeSeconds: opts.accessTokenLifetimeSeconds ?? 8 * 3600,
    sessionLifetimeSeconds: opts.sessionLifetimeSeconds ?? 90 * 86_400,
    enforcePollInterval: opts.enforcePollInterval ?? true,
    rotateRefreshTokens: opts.rotateRefreshTokens ?? true,
    defaultUser: opts.defaultUser ?? 'sso-user@example.com',
  };
  for (const k of ['pollIntervalSeconds', 'deviceCodeLifetimeSeconds', 'accessTokenLifetimeSeconds', 'sessionLifetimeSeconds'] as const) checkSeconds(k, settings[k]);
  const model = new SsoModel(now, settings, opts.issue);
  let counts: Record<string, number> = {};
  let calls: SsoCall[] = [];
  const faults = new EmulatorFaults();
  const sockets = new Set<Socket>();
  let baseUrl = '';

  function record(action: string, code: string | undefined): void {
    counts[action] = (counts[action] ?? 0) + 1;
    if (code !== undefined && code !== 'ConnectionDropped') counts[`rejected:${code}`] = (counts[`rejected:${code}`] ?? 0) + 1;
    calls.push(code === undefined ? { action, ok: true, at: now() } : { action, ok: false, code, at: now() });
    if (calls.length > 2 * MAX_CALLS) calls.splice(0, calls.length - MAX_CALLS);
  }


  function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, { ...headers, 'Content-Length': Buffer.byteLength(body), Date: new Date().toUTCString() });
    res.end(body);
  }

  function sendJson(res: ServerResponse, status: number, payload: object, extra: Record<string, string> = {}): void {
    send(res, status, { 'Content-Type': 'application/json', 'x-amzn-RequestId': randomUUID(), ...extra }, JSON.stringify(payload));
  }

  /** As the services answer errors: the type in x-amzn-ErrorType (the SDKs read the part before ':'). */
  function sendError(res: ServerResponse, err: SsoApiError, oidc: boolean): void {
    const ns = oidc ? 'com.amazonaws.ssooidc' : 'com.amazonaws.switchboard.portal';
    sendJson(res, err.status, err.body, { 'x-amzn-ErrorType': `${err.type}:http://internal.amazon.com/coral/${ns}/` });
  }

  function parseBody(body: Buffer): Record<string, unknown> {
    const text = body.toString('utf8').trim();
    let value: unknown;
    try {
      value = text === '' ? {} : JSON.parse(text);
    } catch {
      throw oidcError('InvalidRequestException', 'invalid_request', 'Request body is not valid JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw oidcError('InvalidRequestException', 'invalid_request', 'Request body must be a JSON object');
    return value as Record<string, unknown>;
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer, tooLarge: boolean): Promise<void> {
    const route = ROUTES[url.pathname];
    if (!route || req.method !== route.method || url.searchParams.has('aws_iam')) {
      record('(unknown)', 'UnknownOperationException');
      return sendError(res, portalError(404, 'UnknownOperationException', `No operation for ${String(req.method)} ${url.pathname.slice(0, 64)}`), false);
    }
    let action = route.action;
    try {
      if (tooLarge) throw (route.oidc ? oidcError('InvalidRequestException', 'invalid_request', 'Request body is too large') : portalError(400, 'InvalidRequestException', 'Request body is too large'));
      const input = route.oidc ? parseBody(body) : {};
      if (action === 'CreateToken') action = SsoModel.tokenAction(input);
      const injected = await faults.apply(action, req, () => record(action, 'ConnectionDropped'));
      if (injected?.kind === 'down') return;
      if (injected?.kind === 'throttle') throw (route.oidc ? oidcError('TooManyRequestsException', 'too_many_requests', 'Rate exceeded', 429) : portalError(429, 'TooManyRequestsException', 'Rate exceeded'));
      if (injected?.kind === 'server-error') throw (route.oidc ? oidcError('InternalServerException', 'server_error', 'Internal error', 500) : portalError(500, 'InternalServerException', 'Internal error'));
      const header = req.headers['x-amz-sso_bearer_token'];
      const bearer = typeof header === 'string' ? header : undefined;
      const query = (name: string): string | undefined => url.searchParams.get(name) ?? undefined;
      let out: object;
      if (action === 'RegisterClient') out = model.registerClient(input);
      else if (action === 'StartDeviceAuthorization') out = model.startDeviceAuthorization(input, baseUrl);
      else if (route.action === 'CreateToken') out = model.createToken(input);
      else if (action === 'GetRoleCredentials') out = model.getRoleCredentials(bearer, query('account_id'), query('role_name'));
      else if (action === 'ListAccounts') out = model.listAccounts(bearer);
      else if (action === 'ListAccountRoles') out = model.listAccountRoles(bearer, query('account_id'));
      else {
        model.logout(bearer);
        out = {};
      }
      record(action, undefined);
      sendJson(res, 200, out);
    } catch (err) {
      const apiError = err instanceof SsoApiError ? err : route.oidc ? oidcError('InternalServerException', 'server_error', 'Internal error', 500) : portalError(500, 'InternalServerException', 'Internal error');
      if (!(err instanceof SsoApiError)) process.stderr.write(`sso-emulator: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
      record(action, apiError.type);
      sendError(res, apiError, route.oidc);
    }
  }

  /** The verification page a CLI prints or opens; the test approves through the API, not here. */
  function devicePage(res: ServerResponse, url: URL): void {
    const code = (url.searchParams.get('user_code') ?? '').replace(/[^A-Za-z-]/g, '').slice(0, 16);
    send(res, 200, { 'Content-Type': 'text/html; charset=utf-8' }, `<!doctype html><title>SSO emulator</title><p>Authorization requested${code ? ` for code ${code}` : ''}. The test approves it.</p>\n`);
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('error', () => req.socket.destroy());
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      let work: Promise<void>;
      if (opts.admin === true && url.pathname.startsWith('/__admin/')) work = Promise.resolve(handleAdmin(ssoAdminVerbs(emulator), req, res, url, Buffer.concat(chunks)));
      else if (url.pathname === '/device' && req.method === 'GET') work = Promise.resolve(devicePage(res, url));
      else work = handleApi(req, res, url, Buffer.concat(chunks), tooLarge);
      work.catch(() => req.socket.destroy());
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;

  const emulator: SsoEmulator = {
    url: baseUrl,
    port,
    approve: (userCode, o = {}) => model.approve(userCode, o.user),
    deny: (userCode) => model.deny(userCode),
    pendingUserCodes: () => model.pendingUserCodes(),
    entitle: (accountId, roleName, o = {}) => model.entitle(accountId, roleName, o),
    setAccessTokenLifetimeSeconds(seconds) {
      checkSeconds('access token lifetime', seconds);
      settings.accessTokenLifetimeSeconds = seconds;
    },
    setSessionLifetimeSeconds(seconds) {
      checkSeconds('session lifetime', seconds);
      settings.sessionLifetimeSeconds = seconds;
    },
    setPollInterval(seconds) {
      if (!Number.isInteger(seconds) || seconds < 1) throw new Error('poll interval must be an integer >= 1');
      settings.pollIntervalSeconds = seconds;
    },
    forceSlowDown: (times) => model.forceSlowDown(times),
    advance(ms) {
      if (!Number.isFinite(ms)) throw new Error('advance(ms) needs a finite number');
      offsetMs += ms;
    },
    now,
    get counts() {
      return { ...counts };
    },
    get calls() {
      return calls.map((c) => ({ ...c }));
    },
    resetCounts() {
      counts = {};
      calls = [];
    },
    revokeAll: () => model.revokeAll(),
    setFault: (next, faultOpts) => faults.set(next, faultOpts),
    async close() {
      faults.cancelTimers();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
  return emulator;
}
