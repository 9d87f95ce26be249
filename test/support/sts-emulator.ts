// An STS emulator for tests: the real Query/XML protocol over node:http on 127.0.0.1, SigV4
// verified on every request, with IAM-like users, roles, trust, MFA, expiry on its own clock,
// and injectable faults. Secrets are never logged.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { StsModel, type Caller, type CreateRoleOptions, type EmulatedRole, type EmulatedUser } from './sts-model.js';
import { StsApiError, errorXml, successXml, type XmlTree } from './sts-xml.js';
import { constantTimeEqual, parseAmzDate, parseAuthorization, verifySignature, type RequestToVerify } from './sigv4-verify.js';
import { handleAdmin } from './sts-emulator-admin.js';

export type { EmulatedRole, EmulatedUser, CreateRoleOptions } from './sts-model.js';
export type StsFault = { kind: 'slow'; ms: number } | { kind: 'down' } | { kind: 'throttle' } | { kind: 'server-error' };
export interface StsCall { action: string; accessKeyId: string; ok: boolean; code?: string; at: number }

export interface StsEmulator {
  readonly url: string;
  readonly port: number;
  createUser(opts: { userName: string; accountId?: string }): EmulatedUser;
  createRole(opts: CreateRoleOptions): EmulatedRole;
  addMfaDevice(userName: string): { serial: string; secret: string };
  totp(serial: string, atMs?: number): string;
  deactivateKey(accessKeyId: string): void;
  /** A snapshot: per action (successful and failed), plus 'rejected:<Code>' per error code returned. */
  readonly counts: Record<string, number>;
  /** A snapshot of the STS requests, in order (the latest 50,000 at least; `counts` is never trimmed). 'down' faults show code 'ConnectionDropped'. */
  readonly calls: StsCall[];
  resetCounts(): void;
  /** Emulator clock = Date.now() + offsetMs; moving it forward expires sessions and TOTP windows. */
  advance(ms: number): void;
  now(): number;
  /** Cap the lifetime of every issued credential (to test refresh with short-lived creds). undefined = AWS rules. */
  setMaxIssuedDurationSeconds(seconds: number | undefined): void;
  /** Fault for the next `times` requests (default: until cleared with null); 'down' destroys the socket without answering. */
  setFault(fault: StsFault | null, opts?: { times?: number; actions?: string[] }): void;
  close(): Promise<void>;
}

export interface StartStsEmulatorOptions {
  port?: number;
  /** Serve the test-only admin API under /__admin/ (used by sts-emulator-main). Default false. */
  admin?: boolean;
}

const ACTIONS = new Set(['GetCallerIdentity', 'AssumeRole', 'GetSessionToken']);
const MAX_BODY_BYTES = 64 * 1024;
const MAX_SKEW_MS = 15 * 60 * 1000;
/** `calls` keeps (at least) the latest this many entries, so long benchmark runs stay small; `counts` is exact. */
const MAX_CALLS = 50_000;

interface ActiveFault { fault: StsFault; remaining: number | undefined; actions: string[] | undefined }

export async function startStsEmulator(opts: StartStsEmulatorOptions = {}): Promise<StsEmulator> {
  let offsetMs = 0;
  const now = (): number => Date.now() + offsetMs;
  const model = new StsModel(now);
  let counts: Record<string, number> = {};
  let calls: StsCall[] = [];
  let fault: ActiveFault | undefined;
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();

  function record(action: string, accessKeyId: string, code: string | undefined): void {
    counts[action] = (counts[action] ?? 0) + 1;
    if (code !== undefined && code !== 'ConnectionDropped') counts[`rejected:${code}`] = (counts[`rejected:${code}`] ?? 0) + 1;
    calls.push(code === undefined ? { action, accessKeyId, ok: true, at: now() } : { action, accessKeyId, ok: false, code, at: now() });
    if (calls.length > 2 * MAX_CALLS) calls.splice(0, calls.length - MAX_CALLS);
  }

  function takeFault(action: string): StsFault | undefined {
    if (!fault || (fault.actions && !fault.actions.includes(action))) return undefined;
    const current = fault.fault;
    if (fault.remaining !== undefined && --fault.remaining <= 0) fault = undefined;
    return current;
  }

  function send(res: ServerResponse, status: number, xml: string, requestId: string): void {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, {
      'Content-Type': 'text/xml',
      'Content-Length': Buffer.byteLength(xml),
      'x-amzn-RequestId': requestId,
      // Real time: advance() simulates the passing of credential lifetimes, not a skewed
      // server clock, so clients that sign with the real time (all of them) stay valid.
      Date: new Date().toUTCString(),
    });
    res.end(xml);
  }

  async function handleSts(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<void> {
    const requestId = randomUUID();
    const params = new URLSearchParams(url.search);
    const contentType = String(req.headers['content-type'] ?? '').toLowerCase();
    if (contentType.startsWith('application/x-www-form-urlencoded')) {
      for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.append(k, v);
    }
    const action = params.get('Action') ?? '';
    const auth = typeof req.headers.authorization === 'string' ? parseAuthorization(req.headers.authorization) : undefined;
    const accessKeyId = auth?.ok ? auth.value.accessKeyId : '';
    const label = action || '(none)';

    const injected = takeFault(action);
    if (injected?.kind === 'down') {
      record(label, accessKeyId, 'ConnectionDropped');
      req.socket.destroy();
      return;
    }
    if (injected?.kind === 'slow') await new Promise<void>((resolve) => {
      const t = setTimeout(() => { timers.delete(t); resolve(); }, Math.max(0, injected.ms));
      timers.add(t);
    });
    try {
      if (injected?.kind === 'throttle') throw new StsApiError('Throttling');
      if (injected?.kind === 'server-error') throw new StsApiError('InternalFailure');
      const caller = authenticate(req, url, body);
      const get = (name: string): string | undefined => params.get(name) ?? undefined;
      if (!action) throw new StsApiError('MissingAction', 'Could not find operation: no Action parameter');
      const version = params.get('Version');
      if (!ACTIONS.has(action) || (version !== null && version !== '2011-06-15')) {
        throw new StsApiError('InvalidAction', `Could not find operation ${action.slice(0, 64)} for version ${(version ?? 'NO_VERSION_SPECIFIED').slice(0, 32)}`);
      }
      let result: XmlTree;
      if (action === 'GetCallerIdentity') result = model.getCallerIdentity(caller);
      else if (action === 'GetSessionToken') result = model.getSessionToken(caller, get);
      else result = model.assumeRole(caller, get);
      record(label, accessKeyId, undefined);
      send(res, 200, successXml(action, result, requestId), requestId);
    } catch (err) {
      const apiError = err instanceof StsApiError ? err : new StsApiError('InternalFailure');
      if (!(err instanceof StsApiError)) process.stderr.write(`sts-emulator: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
      record(label, accessKeyId, apiError.code);
      send(res, apiError.status, errorXml(apiError, requestId), requestId);
    }
  }

  /** SigV4 on every request; the caller behind a valid signature, or an StsApiError. */
  function authenticate(req: IncomingMessage, url: URL, body: Buffer): Caller {
    const header = req.headers.authorization;
    if (typeof header !== 'string' || header.trim() === '') throw new StsApiError('MissingAuthenticationToken');
    const parsed = parseAuthorization(header);
    if (!parsed.ok) throw new StsApiError('IncompleteSignature', parsed.message);
    const auth = parsed.value;
    const amzDate = req.headers['x-amz-date'];
    if (typeof amzDate !== 'string') throw new StsApiError('IncompleteSignature', "Authorization header requires existence of a 'X-Amz-Date' header.");
    const signedAt = parseAmzDate(amzDate);
    if (signedAt === undefined) throw new StsApiError('IncompleteSignature', "X-Amz-Date must be in ISO 8601 basic format (yyyyMMdd'T'HHmmss'Z').");
    for (const required of ['host', 'x-amz-date']) {
      if (!auth.signedHeaders.includes(required)) throw new StsApiError('IncompleteSignature', `'${required}' must be a 'SignedHeader' in the AWS Authorization.`);
    }
    if (auth.terminator !== 'aws4_request') throw new StsApiError('SignatureDoesNotMatch', "Credential should be scoped with a valid terminator: 'aws4_request'.");
    if (auth.service !== 'sts') throw new StsApiError('SignatureDoesNotMatch', `Credential should be scoped to correct service: 'sts'.`);
    if (auth.date !== amzDate.slice(0, 8)) {
      throw new StsApiError('SignatureDoesNotMatch', `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date.slice(0, 8)}' != '${amzDate.slice(0, 8)}'`);
    }
    const key = model.lookupKey(auth.accessKeyId);
    if (!key) throw new StsApiError('InvalidClientTokenId');
    const tokenHeader = req.headers['x-amz-security-token'];
    const token = typeof tokenHeader === 'string' ? tokenHeader : (url.searchParams.get('X-Amz-Security-Token') ?? undefined);
    if (key.kind === 'user' ? token !== undefined : token === undefined || !constantTimeEqual(token, key.sessionToken)) {
      throw new StsApiError('InvalidClientTokenId');
    }
    const request: RequestToVerify = { method: req.method ?? 'GET', rawPath: url.pathname, rawQuery: url.search.slice(1), rawHeaders: req.rawHeaders, body };
    if (!verifySignature(request, auth, amzDate, key.secretAccessKey)) throw new StsApiError('SignatureDoesNotMatch');
    if (key.kind === 'session' && now() >= key.expiresAtMs) throw new StsApiError('ExpiredToken');
    if (Math.abs(Date.now() - signedAt) > MAX_SKEW_MS) {
      const earliest = new Date(Date.now() - MAX_SKEW_MS).toISOString();
      throw new StsApiError('RequestExpired', `Request has expired: signed at ${amzDate}, which is more than 15 minutes from the server time ${new Date().toISOString()} (earliest accepted ${earliest}).`);
    }
    return key.caller;
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
        work = Promise.resolve(send(res, 400, errorXml(new StsApiError('ValidationError', 'Request body is too large'), id), id));
      } else if (opts.admin === true && url.pathname.startsWith('/__admin/')) {
        work = handleAdmin(emulator, req, res, url, Buffer.concat(chunks));
      } else {
        work = handleSts(req, res, url, Buffer.concat(chunks));
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
    port,
    createUser: (o) => model.createUser(o),
    createRole: (o) => model.createRole(o),
    addMfaDevice: (userName) => model.addMfaDevice(userName),
    totp: (serial, atMs) => model.totp(serial, atMs),
    deactivateKey: (accessKeyId) => model.deactivateKey(accessKeyId),
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
    setMaxIssuedDurationSeconds: (seconds) => model.setMaxIssuedDurationSeconds(seconds),
    setFault(next, faultOpts = {}) {
      if (next === null) {
        fault = undefined;
        return;
      }
      if (!['slow', 'down', 'throttle', 'server-error'].includes(next.kind)) throw new Error(`unknown fault kind: ${String(next.kind)}`);
      if (next.kind === 'slow' && !(Number.isFinite(next.ms) && next.ms >= 0)) throw new Error('slow fault needs ms >= 0');
      const times = faultOpts.times;
      if (times !== undefined && !(Number.isInteger(times) && times > 0)) throw new Error('times must be a positive integer');
      fault = { fault: { ...next }, remaining: times, actions: faultOpts.actions ? [...faultOpts.actions] : undefined };
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
  return emulator;
}
