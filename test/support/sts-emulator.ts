// An STS + IAM emulator for tests: the real Query/XML protocols over node:http on 127.0.0.1, SigV4
// verified on every request (scoped to "sts" for STS actions, "iam" for IAM ones), with IAM-like
// users, access keys, roles, trust, MFA, expiry on its own clock, the console sign-in federation
// endpoint under /federation, and injectable faults. Secrets are never logged.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { IamStore, NAME_PATTERN, type CreateRoleOptions, type CreateUserOptions, type EmulatedAccessKey, type EmulatedRole, type EmulatedUser } from './iam-store.js';
import { StsModel, type IssuedRoleSession } from './sts-model.js';
import { IamModel, isIamAction } from './iam-model.js';
import { IAM_XMLNS, STS_XMLNS, StsApiError, errorXml, successXml, type XmlTree } from './sts-xml.js';
import { parseAuthorization } from './sigv4-verify.js';
import { authenticate, type QueryService } from './query-auth.js';
import { FEDERATION_PATH, Federation, FederationError, federationAccessKeyId, federationReply, type FederationReply, type SigninTokenInfo } from './federation.js';
import { handleAdmin } from './admin-api.js';
import { stsAdminVerbs } from './sts-emulator-admin.js';
import { assumeRoleWithWebIdentity } from './sts-web-identity.js';
import { WebIdentityIssuer, type IssueTokenOptions, type WebIdentityClaims } from './web-identity-issuer.js';
import { EmulatorFaults, type EmulatorFault } from './emulator-faults.js';

export type { EmulatedAccessKey, EmulatedRole, EmulatedUser, CreateRoleOptions, CreateUserOptions } from './iam-store.js';
export type { SigninTokenInfo } from './federation.js';
export type { IssuedRoleSession } from './sts-model.js';
export type StsFault = EmulatorFault;
export interface StsCall {
  action: string; accessKeyId: string; ok: boolean; code?: string; at: number;
  /** AssumeRoleWithWebIdentity: the `jti` of the token it carried (when the token was valid). */
  tokenId?: string;
}
export type { IssueTokenOptions, WebIdentityClaims } from './web-identity-issuer.js';

export interface StsEmulator {
  /** The STS and IAM endpoint (both services on the one port, told apart by Version/Action). */
  readonly url: string;
  /** `${url}/federation`: the console sign-in federation endpoint (see federation.ts). */
  readonly federationUrl: string;
  readonly port: number;
  /** A user with one active access key; `requireMfa` gives it the "deny everything without MFA" policy (iam-store.ts, mfaPolicyDenies). */
  createUser(opts: CreateUserOptions): EmulatedUser;
  createRole(opts: CreateRoleOptions): EmulatedRole;
  addMfaDevice(userName: string): { serial: string; secret: string };
  totp(serial: string, atMs?: number): string;
  /** Sets a user key Inactive (as UpdateAccessKey would), or revokes a temporary one. */
  deactivateKey(accessKeyId: string): void;
  /** A user's access keys, oldest first, without secrets; `accountId` only when the name exists in several accounts. */
  accessKeys(userName: string, accountId?: string): EmulatedAccessKey[];
  /** The sign-in tokens the federation endpoint issued (the latest day's), oldest first. */
  signinTokens(): SigninTokenInfo[];
  /**
   * A web identity token (JWT-shaped, signed by the emulator's OIDC issuer) for AssumeRoleWithWebIdentity;
   * `exp` on the emulator clock. Roles trust it through CreateRoleOptions.webIdentity.
   */
  issueWebIdentityToken(opts: IssueTokenOptions): { token: string; claims: WebIdentityClaims };
  /**
   * A snapshot: per action (successful and failed; STS and IAM actions by name, the federation
   * endpoint's as 'getSigninToken' and 'login'), plus 'rejected:<Code>' per error code returned.
   */
  readonly counts: Record<string, number>;
  /** A snapshot of the requests, in order (the latest 50,000 at least; `counts` is never trimmed). 'down' faults show code 'ConnectionDropped'. */
  readonly calls: StsCall[];
  resetCounts(): void;
  /** Emulator clock = Date.now() + offsetMs; moving it forward expires sessions, TOTP windows and sign-in tokens. */
  advance(ms: number): void;
  now(): number;
  /**
   * Credentials of a session of the (existing) role, as an AssumeRole by a trusted caller would
   * give (no MFA; the setMaxIssuedDurationSeconds cap applies), without a request: for other
   * emulators that hand out role credentials (the SSO emulator's `issue` hook).
   */
  issueRoleSession(roleArn: string, sessionName: string, durationSeconds?: number): { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: Date };
  /**
   * What the AssumeRole that issued this access key id asked for: Policy, PolicyArns,
   * SourceIdentity, Tags, TransitiveTagKeys (and role, session name, caller); undefined for
   * keys not issued by AssumeRole.
   */
  sessionParams(accessKeyId: string): IssuedRoleSession | undefined;
  /** Every successful AssumeRole's record, oldest first. */
  issuedRoleSessions(): IssuedRoleSession[];
  /** Cap the lifetime of every issued credential (to test refresh with short-lived creds). undefined = AWS rules. */
  setMaxIssuedDurationSeconds(seconds: number | undefined): void;
  /**
   * Fault for the next `times` requests (default: until cleared with null), of any service, or only
   * of the named actions (e.g. ['DeleteAccessKey'], ['getSigninToken']); 'down' destroys the socket
   * without answering. On the federation endpoint throttle is HTTP 429, server-error 500.
   */
  setFault(fault: StsFault | null, opts?: { times?: number; actions?: string[] }): void;
  close(): Promise<void>;
}

export interface StartStsEmulatorOptions {
  port?: number;
  /** Serve the test-only admin API under /__admin/ (used by sts-emulator-main). Default false. */
  admin?: boolean;
}

const STS_VERSION = '2011-06-15';
const IAM_VERSION = '2010-05-08';
const STS_ACTIONS = new Set(['GetCallerIdentity', 'AssumeRole', 'GetSessionToken', 'AssumeRoleWithWebIdentity']);
/** Actions AWS answers without a signature: the request carries its own proof. */
const UNSIGNED_ACTIONS = new Set(['AssumeRoleWithWebIdentity']);
const MAX_BODY_BYTES = 64 * 1024;
/** `calls` keeps (at least) the latest this many entries, so long benchmark runs stay small; `counts` is exact. */
const MAX_CALLS = 50_000;

/** Which service a Query request is for: its Version, else its Action, else its credential scope. */
function serviceOf(action: string, version: string | null, scopeService: string | undefined): QueryService {
  if (version === IAM_VERSION) return 'iam';
  if (version === STS_VERSION) return 'sts';
  if (isIamAction(action)) return 'iam';
  if (STS_ACTIONS.has(action)) return 'sts';
  return scopeService === 'iam' ? 'iam' : 'sts';
}


export async function startStsEmulator(opts: StartStsEmulatorOptions = {}): Promise<StsEmulator> {
  let offsetMs = 0;
  const now = (): number => Date.now() + offsetMs;
  const store = new IamStore(now);
  const sts = new StsModel(store);
  const iam = new IamModel(store);
  const federation = new Federation(store);
  const oidc = new WebIdentityIssuer('https://oidc.credd-emulator.test', now);
  let counts: Record<string, number> = {};
  let calls: StsCall[] = [];
  const faults = new EmulatorFaults();
  const sockets = new Set<Socket>();

  function record(action: string, accessKeyId: string, code: string | undefined, tokenId?: string): void {
    counts[action] = (counts[action] ?? 0) + 1;
    if (code !== undefined && code !== 'ConnectionDropped') counts[`rejected:${code}`] = (counts[`rejected:${code}`] ?? 0) + 1;
    const call: StsCall = code === undefined ? { action, accessKeyId, ok: true, at: now() } : { action, accessKeyId, ok: false, code, at: now() };
    calls.push(tokenId === undefined ? call : { ...call, tokenId });
    if (calls.length > 2 * MAX_CALLS) calls.splice(0, calls.length - MAX_CALLS);
  }

  /** Takes a matching fault: 'down' drops the socket here, 'slow' waits here; the caller answers throttle/server-error. */
  function applyFault(action: string, accessKeyId: string, req: IncomingMessage): Promise<StsFault | undefined> {
    return faults.apply(action, req, () => record(action || '(none)', accessKeyId, 'ConnectionDropped'));
  }

  function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, {
      ...headers,
      'Content-Length': Buffer.byteLength(body),
      // Real time: advance() simulates the passing of credential lifetimes, not a skewed
      // server clock, so clients that sign with the real time (all of them) stay valid.
      Date: new Date().toUTCString(),
    });
    res.end(body);
  }

  function sendXml(res: ServerResponse, status: number, xml: string, requestId: string): void {
    send(res, status, { 'Content-Type': 'text/xml', 'x-amzn-RequestId': requestId }, xml);
  }

  /** The Query API: STS (Version 2011-06-15) and IAM (Version 2010-05-08) actions. */
  async function handleQuery(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<void> {
    const requestId = randomUUID();
    const params = new URLSearchParams(url.search);
    const contentType = String(req.headers['content-type'] ?? '').toLowerCase();
    if (contentType.startsWith('application/x-www-form-urlencoded')) {
      for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.append(k, v);
    }
    const action = params.get('Action') ?? '';
    const version = params.get('Version');
    const auth = typeof req.headers.authorization === 'string' ? parseAuthorization(req.headers.authorization) : undefined;
    const accessKeyId = auth?.ok ? auth.value.accessKeyId : '';
    const service = serviceOf(action, version, auth?.ok ? auth.value.service : undefined);
    const xmlns = service === 'iam' ? IAM_XMLNS : STS_XMLNS;
    const label = action || '(none)';

    const injected = await applyFault(action, accessKeyId, req);
    if (injected?.kind === 'down') return;
    try {
      if (injected?.kind === 'throttle') throw new StsApiError('Throttling');
      if (injected?.kind === 'server-error') throw new StsApiError('InternalFailure');
      const get = (name: string): string | undefined => params.get(name) ?? undefined;
      if (UNSIGNED_ACTIONS.has(action) && (version === null || version === STS_VERSION)) {
        const { result, tokenId } = assumeRoleWithWebIdentity(store, oidc, get);
        record(label, accessKeyId, undefined, tokenId);
        sendXml(res, 200, successXml(action, result, requestId, xmlns), requestId);
        return;
      }
      const caller = authenticate(store, req, url, body, service);
      if (!action) throw new StsApiError('MissingAction', 'Could not find operation: no Action parameter');
      const known = service === 'iam' ? isIamAction(action) : STS_ACTIONS.has(action);
      if (!known || (version !== null && version !== (service === 'iam' ? IAM_VERSION : STS_VERSION))) {
        throw new StsApiError('InvalidAction', `Could not find operation ${action.slice(0, 64)} for version ${(version ?? 'NO_VERSION_SPECIFIED').slice(0, 32)}`);
      }
      let result: XmlTree | undefined;
      if (isIamAction(action)) result = iam.run(action, caller, get);
      else if (action === 'GetCallerIdentity') result = sts.getCallerIdentity(caller);
      else if (action === 'GetSessionToken') result = sts.getSessionToken(caller, get);
      else result = sts.assumeRole(caller, get);
      record(label, accessKeyId, undefined);
      sendXml(res, 200, successXml(action, result, requestId, xmlns), requestId);
    } catch (err) {
      const apiError = err instanceof StsApiError ? err : new StsApiError('InternalFailure');
      if (!(err instanceof StsApiError)) process.stderr.write(`sts-emulator: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
      record(label, accessKeyId, apiError.code);
      sendXml(res, apiError.status, errorXml(apiError, requestId, xmlns), requestId);
    }
  }

  /** The console sign-in federation endpoint (federation.ts). */
  async function handleFederation(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const action = url.searchParams.get('Action') ?? '';
    const label = action || '(none)';
    const accessKeyId = action === 'getSigninToken' ? federationAccessKeyId(url) : '';
    const injected = await applyFault(action, accessKeyId, req);
    if (injected?.kind === 'down') return;
    let reply: FederationReply;
    try {
      if (injected?.kind === 'throttle') throw new FederationError(429, 'Throttling', 'Rate exceeded');
      if (injected?.kind === 'server-error') throw new FederationError(500, 'InternalFailure', 'Internal error');
      reply = federation.handle(req.method ?? 'GET', url);
      record(label, accessKeyId, undefined);
    } catch (err) {
      const refusal = err instanceof FederationError ? err : new FederationError(500, 'InternalFailure', 'Internal error');
      if (!(err instanceof FederationError)) process.stderr.write(`sts-emulator: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
      record(label, accessKeyId, refusal.code);
      reply = federationReply(refusal.status, `${refusal.message}\n`);
    }
    send(res, reply.status, reply.headers, reply.body);
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
      if (tooLarge) {
        const id = randomUUID();
        work = Promise.resolve(sendXml(res, 400, errorXml(new StsApiError('ValidationError', 'Request body is too large'), id), id));
      } else if (opts.admin === true && url.pathname.startsWith('/__admin/')) {
        work = Promise.resolve(handleAdmin(stsAdminVerbs(emulator), req, res, url, Buffer.concat(chunks)));
      } else if (url.pathname === FEDERATION_PATH) {
        work = handleFederation(req, res, url);
      } else {
        work = handleQuery(req, res, url, Buffer.concat(chunks));
      }
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

  const emulator: StsEmulator = {
    url: `http://127.0.0.1:${port}`,
    federationUrl: `http://127.0.0.1:${port}${FEDERATION_PATH}`,
    port,
    createUser: (o) => store.createUser(o),
    createRole: (o) => store.createRole(o),
    addMfaDevice: (userName) => store.addMfaDevice(userName),
    totp: (serial, atMs) => store.totp(serial, atMs),
    deactivateKey: (accessKeyId) => store.deactivateKey(accessKeyId),
    accessKeys: (userName, accountId) => store.accessKeys(userName, accountId),
    signinTokens: () => federation.signinTokens(),
    issueWebIdentityToken: (o) => oidc.issue(o),
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
    advance(ms) {
      if (!Number.isFinite(ms)) throw new Error('advance(ms) needs a finite number');
      offsetMs += ms;
    },
    now,
    issueRoleSession(roleArn, sessionName, durationSeconds = 3600) {
      const role = store.role(roleArn);
      if (!role) throw new Error(`no such role: ${String(roleArn)}`);
      if (typeof sessionName !== 'string' || sessionName.length < 2 || sessionName.length > 64 || !NAME_PATTERN.test(sessionName)) throw new Error(`invalid session name: ${String(sessionName)}`);
      if (!Number.isFinite(durationSeconds) || durationSeconds <= 0) throw new Error('durationSeconds must be a positive number');
      const s = store.issue(durationSeconds, { kind: 'role-session', role, sessionName, mfa: false });
      return { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, sessionToken: s.sessionToken, expiration: new Date(s.expiresAtMs) };
    },
    setMaxIssuedDurationSeconds: (seconds) => store.setMaxIssuedDurationSeconds(seconds),
    sessionParams: (accessKeyId) => {
      const r = sts.issued.get(accessKeyId);
      return r && structuredClone(r);
    },
    issuedRoleSessions: () => [...sts.issued.values()].map((r) => structuredClone(r)),
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
