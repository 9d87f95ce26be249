// The test-only admin API (`/__admin/<verb>`, JSON), served by an emulator started with admin: true.
// Loopback callers only; no SigV4; no faults or counting. Mirrors the StsEmulator methods
// (sts-emulator-client.ts is the typed other end).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StsEmulator, StsFault } from './sts-emulator.js';

type Body = Record<string, unknown>;

function str(body: Body, key: string): string {
  const v = body[key];
  if (typeof v !== 'string') throw new Error(`"${key}" must be a string`);
  return v;
}
function optStr(body: Body, key: string): string | undefined {
  return body[key] === undefined || body[key] === null ? undefined : str(body, key);
}
function num(body: Body, key: string): number {
  const v = body[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`"${key}" must be a number`);
  return v;
}
function optNum(body: Body, key: string): number | undefined {
  return body[key] === undefined || body[key] === null ? undefined : num(body, key);
}
function optStrings(body: Body, key: string): string[] | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new Error(`"${key}" must be an array of strings`);
  return v as string[];
}
function optBool(body: Body, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new Error(`"${key}" must be a boolean`);
  return v;
}

/** Drops undefined members so optional properties stay absent (exactOptionalPropertyTypes). */
function defined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

function run(emu: StsEmulator, verb: string, body: Body): unknown {
  switch (verb) {
    case 'ping':
      return { ok: true };
    case 'createUser':
      return emu.createUser(defined({ userName: str(body, 'userName'), accountId: optStr(body, 'accountId'), requireMfa: optBool(body, 'requireMfa') }));
    case 'createRole':
      return emu.createRole(
        defined({
          roleName: str(body, 'roleName'),
          accountId: optStr(body, 'accountId'),
          trustedPrincipals: optStrings(body, 'trustedPrincipals'),
          requireMfa: optBool(body, 'requireMfa'),
          externalId: optStr(body, 'externalId'),
          maxSessionDurationSeconds: optNum(body, 'maxSessionDurationSeconds'),
        }),
      );
    case 'addMfaDevice':
      return emu.addMfaDevice(str(body, 'userName'));
    case 'totp':
      return { code: emu.totp(str(body, 'serial'), optNum(body, 'atMs')) };
    case 'deactivateKey':
      emu.deactivateKey(str(body, 'accessKeyId'));
      return {};
    case 'accessKeys':
      return { accessKeys: emu.accessKeys(str(body, 'userName'), optStr(body, 'accountId')) };
    case 'signinTokens':
      // null, not undefined, for "not given"/"not used yet", so the keys survive JSON.
      return { tokens: emu.signinTokens().map((t) => ({ ...t, sessionDuration: t.sessionDuration ?? null, login: t.login ? { ...t.login, issuer: t.login.issuer ?? null } : null })) };
    case 'advance':
      emu.advance(num(body, 'ms'));
      return { now: emu.now() };
    case 'now':
      return { now: emu.now() };
    case 'setMaxIssuedDurationSeconds':
      emu.setMaxIssuedDurationSeconds(optNum(body, 'seconds'));
      return {};
    case 'setFault': {
      const fault = body.fault === null || body.fault === undefined ? null : (body.fault as StsFault);
      if (fault !== null && (typeof fault !== 'object' || typeof fault.kind !== 'string')) throw new Error('"fault" must be null or {kind, ...}');
      emu.setFault(fault, defined({ times: optNum(body, 'times'), actions: optStrings(body, 'actions') }));
      return {};
    }
    case 'resetCounts':
      emu.resetCounts();
      return {};
    case 'counts':
      return { counts: emu.counts, calls: emu.calls };
    case 'issuedRoleSessions':
      return { sessions: emu.issuedRoleSessions() };
    default:
      throw new Error(`unknown admin verb: ${verb.slice(0, 64)}`);
  }
}

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::ffff:127.0.0.1' || address === '::1';
}

function reply(res: ServerResponse, status: number, payload: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(payload);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
}

export async function handleAdmin(emu: StsEmulator, req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<void> {
  if (!isLoopback(req.socket.remoteAddress)) return reply(res, 403, { error: 'admin API is loopback-only' });
  const verb = url.pathname.slice('/__admin/'.length);
  const readOnly = verb === 'counts' || verb === 'now' || verb === 'ping' || verb === 'signinTokens';
  if (req.method !== 'POST' && !(req.method === 'GET' && readOnly)) return reply(res, 405, { error: 'use POST (GET only for counts, now, ping, signinTokens)' });
  let parsed: Body = {};
  try {
    const text = body.toString('utf8').trim();
    const value: unknown = text === '' ? {} : JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('body must be a JSON object');
    parsed = value as Body;
  } catch (err) {
    return reply(res, 400, { error: `bad JSON body: ${err instanceof Error ? err.message : String(err)}` });
  }
  try {
    reply(res, 200, run(emu, verb, parsed));
  } catch (err) {
    reply(res, 400, { error: err instanceof Error ? err.message : String(err) });
  }
}
