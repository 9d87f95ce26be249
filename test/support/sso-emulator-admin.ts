// The SSO emulator's test-only admin API (`/__admin/<verb>`, JSON), served when started with
// admin: true. Loopback callers only; not counted, no faults. Mirrors the SsoEmulator methods
// (sso-emulator-client.ts is the typed other end), as sts-emulator-admin.ts does for STS.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SsoEmulator, SsoFault } from './sso-emulator.js';

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
/** Drops undefined members so optional properties stay absent (exactOptionalPropertyTypes). */
function defined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

function run(emu: SsoEmulator, verb: string, body: Body): unknown {
  switch (verb) {
    case 'ping':
      return { ok: true };
    case 'approve':
      emu.approve(str(body, 'userCode'), defined({ user: optStr(body, 'user') }));
      return {};
    case 'deny':
      emu.deny(str(body, 'userCode'));
      return {};
    case 'pendingUserCodes':
      return { userCodes: emu.pendingUserCodes() };
    case 'entitle':
      emu.entitle(str(body, 'accountId'), str(body, 'roleName'), defined({ user: optStr(body, 'user'), startUrl: optStr(body, 'startUrl'), sessionDurationSeconds: optNum(body, 'sessionDurationSeconds') }));
      return {};
    case 'setAccessTokenLifetimeSeconds':
      emu.setAccessTokenLifetimeSeconds(num(body, 'seconds'));
      return {};
    case 'setSessionLifetimeSeconds':
      emu.setSessionLifetimeSeconds(num(body, 'seconds'));
      return {};
    case 'setPollInterval':
      emu.setPollInterval(num(body, 'seconds'));
      return {};
    case 'forceSlowDown':
      emu.forceSlowDown(num(body, 'times'));
      return {};
    case 'advance':
      emu.advance(num(body, 'ms'));
      return { now: emu.now() };
    case 'now':
      return { now: emu.now() };
    case 'counts':
      return { counts: emu.counts, calls: emu.calls };
    case 'resetCounts':
      emu.resetCounts();
      return {};
    case 'revokeAll':
      emu.revokeAll();
      return {};
    case 'setFault': {
      const fault = body.fault === null || body.fault === undefined ? null : (body.fault as SsoFault);
      if (fault !== null && (typeof fault !== 'object' || typeof fault.kind !== 'string')) throw new Error('"fault" must be null or {kind, ...}');
      emu.setFault(fault, defined({ times: optNum(body, 'times'), actions: optStrings(body, 'actions') }));
      return {};
    }
    default:
      throw new Error(`unknown admin verb: ${verb.slice(0, 64)}`);
  }
}

function reply(res: ServerResponse, status: number, payload: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(payload);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
}

const READ_ONLY = new Set(['ping', 'now', 'counts', 'pendingUserCodes']);

export async function handleSsoAdmin(emu: SsoEmulator, req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<void> {
  const remote = req.socket.remoteAddress;
  if (remote !== '127.0.0.1' && remote !== '::ffff:127.0.0.1' && remote !== '::1') return reply(res, 403, { error: 'admin API is loopback-only' });
  const verb = url.pathname.slice('/__admin/'.length);
  if (req.method !== 'POST' && !(req.method === 'GET' && READ_ONLY.has(verb))) return reply(res, 405, { error: `use POST (GET only for ${[...READ_ONLY].join(', ')})` });
  let parsed: Body;
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
