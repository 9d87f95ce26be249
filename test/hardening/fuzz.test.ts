// Seeded fuzzing of the live daemon: ECS, IMDS token, IMDS metadata and the control socket.
// Rerun one sequence with CREDD_FUZZ_SEED=<seed printed in the diagnostics>.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { memoryOf } from '../shared/proc-memory.js';
import { assertNoSecrets } from '../support/assert-no-secrets.js';
import { prng } from '../support/prng.js';
import { rawRequest } from '../support/raw-request.js';
import { request } from '../support/http-request.js';
import { startHarness, type Harness } from '../support/hardening-harness.js';

const PER_ENDPOINT = 220;
const TTL = 'x-aws-ec2-metadata-token-ttl-seconds';
const IMDS_TOKEN = 'x-aws-ec2-metadata-token';
type Endpoint = 'ecs' | 'imds-token' | 'imds-metadata' | 'control';
interface Input { endpoint: Endpoint; raw: boolean; method: string; path: string; headers: Array<[string, string]>; body: string }
interface Outcome { status: number; text: string }

const seed = Number(process.env['CREDD_FUZZ_SEED'] ?? Date.now() % 2 ** 31);
const rand = prng(seed);
const int = (n: number): number => Math.floor(rand() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
const chance = (p: number): boolean => rand() < p;
const chars = (n: number, alphabet: string): string => Array.from({ length: n }, () => alphabet[int(alphabet.length)]).join('');
const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
const NASTY = ['..', '.', '%2e%2e', '%2f', '%2F..%2F', '%00', '%', '%zz', '%c0%ae', '%e0%80%ae', '%ff%fe', '//', ';x=1', 'é', '%E2%80%AE', '☃', '\\..\\', '*', '~', '$'];

function mutatePath(base: string, raw: boolean): string {
  let p = base;
  for (let i = 0, n = 1 + int(3); i < n; i++) {
    const at = int(p.length + 1);
    switch (int(7)) {
      case 0: p = p.slice(0, at) + pick(NASTY) + p.slice(at); break;
      case 1: p = `${p}/${chars(1 + int(40), 'abcXYZ019._-@+=,:')}`; break;
      case 2: p = `${p}?${chars(int(60), 'ab=&%.;')}`; break;
      case 3: p = p + 'A'.repeat(int(2) === 0 ? 129 + int(300) : 1 + int(5_000)); break;
      case 4: p = rand() < 0.5 ? p.toUpperCase() : p.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`); break;
      case 5: p = `${p}${encodeURIComponent(chars(1 + int(20), PRINTABLE))}`; break;
      default: p = raw ? p.slice(0, at) + chars(1 + int(4), `${PRINTABLE}\u0001\u007f\u00e9`).replace(/[ \r\n]/g, '') + p.slice(at) : `${p}#${chars(int(10), 'abc')}`;
    }
  }
  return p.startsWith('/') || chance(0.1) ? p : `/${p}`;
}

function junkJson(depth = 0): unknown {
  switch (int(depth > 3 ? 5 : 8)) {
    case 0: return int(2 ** 31) * (chance(0.5) ? -1 : 1);
    case 1: return chance(0.5);
    case 2: return null;
    case 3: return chars(int(50), PRINTABLE);
    case 4: return pick(['readonly', 'admin', 'pin1', '__proto__', 'constructor', 'toString', '..', 'a'.repeat(129), 'x'.repeat(5_000), 'réadonly', 'read only', 'a\nb', '']);
    case 5: return Array.from({ length: int(5) }, () => junkJson(depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = 0, n = int(4); i < n; i++) o[pick(['profile', 'code', '__proto__', 'constructor', 'prototype', chars(1 + int(8), 'abcdef')])] = junkJson(depth + 1);
      return o;
    }
  }
}

function body(control: boolean): string {
  switch (int(control ? 8 : 5)) {
    case 0: case 1: return '';
    case 2: return chars(int(4_096), PRINTABLE);
    case 3: return Buffer.from(Array.from({ length: int(512) }, () => int(256))).toString('latin1');
    case 4: return 'x'.repeat(chance(0.5) ? 17_000 : 70_000);
    case 5: return '['.repeat(int(8_000)) + ']'.repeat(int(100));
    case 6: return pick(['{"profile":', '{"profile":"readonly"', '{"__proto__":{"polluted":1},"profile":"x"}', '{"constructor":{"prototype":{"polluted":1}}}', 'null', '"readonly"', '{"profile":"readonly","code":"12345a"}', '{"profile":"admin","code":"000000"}']);
    default: return JSON.stringify(junkJson());
  }
}

function generate(endpoint: Endpoint, ctx: { port: number; token: string; imds: string }): Input {
  const raw = chance(0.5);
  const control = endpoint === 'control';
  const base = { ecs: pick(['/v1/credentials', '/v1/credentials/readonly', '/v1/credentials/pin2']), 'imds-token': '/latest/api/token', 'imds-metadata': pick(['/latest/meta-data/iam/security-credentials/', '/latest/meta-data/iam/security-credentials/readonly', '/latest/meta-data/placement/region', '/latest/dynamic/instance-identity/document']), control: pick(['/v1/status', '/v1/switch', '/v1/prime', '/v1/mfa', '/v1/clear', '/v1/credentials', '/', '/v2/status']) }[endpoint];
  const goodMethod = { ecs: 'GET', 'imds-token': 'PUT', 'imds-metadata': 'GET', control: pick(['GET', 'POST']) }[endpoint];
  const methods = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'M-SEARCH'];
  let method = chance(0.5) ? goodMethod : pick(methods);
  if (raw && chance(0.15)) method = pick(['get', 'FOO', 'G\u0000T', '', 'GET GET', 'X'.repeat(1 + int(300)), 'CONNECT']);
  let path = chance(control ? 0.5 : 0.2) ? base : mutatePath(base, raw);
  // Never ask the control API to stop: that is not malformed, it is a valid request.
  if (control && method.toUpperCase() !== 'GET' && /stop/i.test(decodeURIComponentSafe(path))) path = '/v1/status';
  const headers: Array<[string, string]> = [];
  if (!control && !(raw && chance(0.1))) headers.push(['Host', pick([`127.0.0.1:${ctx.port}`, `127.0.0.1:${ctx.port}`, `localhost:${ctx.port}`, 'evil.example', `127.0.0.1:${ctx.port + 1}`, chars(int(30), PRINTABLE).trim() || 'x'])]);
  if (control) headers.push(['Host', 'localhost']);
  const token = pick([ctx.token, ctx.token, `${ctx.token.slice(0, -1)}${chance(0.5) ? 'A' : 'B'}`, chars(43, 'ABCabc012_-'), `Bearer ${ctx.token}`, chars(int(8_000), PRINTABLE).trim() || 'y']);
  if (endpoint === 'ecs' && chance(0.8)) headers.push(['Authorization', token]);
  if (endpoint === 'imds-token' && chance(0.85)) headers.push([TTL, pick(['1', '21600', '300', '0', '21601', '-5', 'abc', '9'.repeat(30), String(int(40_000)), ' 60 ', '1.0'])]);
  if (endpoint === 'imds-metadata' && chance(0.85)) headers.push([IMDS_TOKEN, pick([ctx.imds, ctx.imds, `${ctx.imds.slice(0, -1)}Q`, ctx.token, chars(int(200), PRINTABLE).trim() || 'z'])]);
  if (chance(0.4)) headers.push(['Content-Type', pick(['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'garbage/\u00e9', 'application/octet-stream'])]);
  if (chance(0.1)) headers.push([pick(['Origin', 'Referer', 'Sec-Fetch-Mode', 'X-Forwarded-For']), pick(['http://evil.example', 'null', '127.0.0.1'])]);
  if (chance(0.1)) headers.push(['Content-Encoding', pick(['gzip', 'br', 'deflate, gzip'])]);
  for (let i = 0, n = int(4); i < n; i++) headers.push([`X-Fuzz-${chars(1 + int(10), 'abcdefXYZ-')}`, raw ? Buffer.from(Array.from({ length: int(60) }, () => 0x20 + int(0xdf))).toString('latin1') : chars(int(60), PRINTABLE).trim()]);
  const b = chance(control ? 0.8 : 0.35) ? body(control) : '';
  if (raw && b !== '' && chance(0.25)) headers.push(pick<[string, string]>([['Transfer-Encoding', 'chunked'], ['Content-Length', String(b.length + 1)], ['Content-Length', String(Math.max(0, b.length - 1))], ['Content-Length', '-1']]));
  else if (raw && b !== '') headers.push(['Content-Length', String(Buffer.byteLength(b, 'latin1'))]);
  return { endpoint, raw, method, path, headers, body: b };
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

async function send(input: Input, target: { port: number; socketPath: string }): Promise<Outcome> {
  const where = input.endpoint === 'control' ? { socketPath: target.socketPath } : { port: target.port };
  if (input.raw) {
    const head = `${input.method} ${input.path} HTTP/1.1\r\n${input.headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
    const chunked = input.headers.some(([k]) => k === 'Transfer-Encoding');
    const payload = chunked ? `${Buffer.byteLength(input.body, 'latin1').toString(16)}\r\n${input.body}\r\n0\r\n\r\n` : input.body;
    const r = await rawRequest(where, Buffer.from(head + payload, 'latin1'), 1_500);
    return { status: r.status, text: r.raw };
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of input.headers) headers[k.toLowerCase()] = v;
  try {
    const r = await request({ ...where, method: input.method, path: input.path, headers, ...(input.body !== '' && { body: input.body }), timeoutMs: 3_000 });
    return { status: r.status, text: r.body };
  } catch (err) {
    // http.request itself refused the input (invalid header char, path): the daemon saw nothing.
    return { status: -1, text: String(err) };
  }
}

describe(`fuzzing the live daemon (seed ${seed})`, () => {
  let h: Harness;
  let imds = '';
  const seenSecrets = new Set<string>();
  const collect = (text: string): void => {
    for (const m of text.matchAll(/"(?:SecretAccessKey|Token|secretAccessKey|sessionToken)":"([^"]{16,})"/g)) seenSecrets.add(m[1] ?? '');
  };

  before(async () => {
    h = await startHarness();
    imds = (await request({ port: h.port, method: 'PUT', path: '/latest/api/token', headers: { [TTL]: '21600' } })).body;
  });
  after(async () => h?.close());

  it(`sends ${PER_ENDPOINT} malformed requests per endpoint; nothing breaks, nothing leaks`, { timeout: 120_000 }, async (t) => {
    t.diagnostic(`seed ${seed} (reproduce with CREDD_FUZZ_SEED=${seed})`);
    for (let i = 0; i < 20; i++) await request({ port: h.port, path: '/v1/credentials', headers: { authorization: h.token } });
    const rssBefore = memoryOf(h.daemon.child.pid ?? 0).rssKb;
    const logMark = h.daemon.logs().length;
    const secrets = () => [h.creds.SecretAccessKey, h.creds.Token, h.alice.secretAccessKey, h.token, ...seenSecrets];
    for (const endpoint of ['ecs', 'imds-token', 'imds-metadata', 'control'] as const) {
      const inputs = Array.from({ length: PER_ENDPOINT }, () => generate(endpoint, { port: h.port, token: h.token, imds }));
      const statuses: Record<string, number> = {};
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < inputs.length) {
          const input = inputs[next++] as Input;
          const out = await send(input, { port: h.port, socketPath: h.controlSocket });
          statuses[out.status] = (statuses[out.status] ?? 0) + 1;
          const what = `${endpoint} ${input.raw ? 'raw' : 'http'} ${JSON.stringify(input.method)} ${JSON.stringify(input.path.slice(0, 80))}`;
          assert.ok(out.status < 500, `${what} → ${out.status}: ${out.text.slice(0, 200)}`);
          if (out.status >= 200 && out.status < 300) collect(out.text);
          else assertNoSecrets(out.text, secrets(), `the ${out.status} answer to ${what}`);
          if (endpoint !== 'control' && out.status !== 200) assert.ok(!out.text.includes('SecretAccessKey'), `credential in a ${out.status} answer to ${what}`);
        }
      };
      await Promise.all(Array.from({ length: 16 }, worker));
      const raws = inputs.filter((x) => x.raw).length;
      t.diagnostic(`${endpoint}: ${inputs.length} inputs (${raws} raw socket, ${inputs.length - raws} http.request); statuses ${JSON.stringify(statuses)} (0 = cut/timeout, -1 = refused by the client library)`);
      t.diagnostic(`${endpoint} sample: ${inputs.slice(0, 3).map((x) => `${JSON.stringify(x.method)} ${JSON.stringify(x.path.slice(0, 60))} +${x.headers.length}h ${x.body.length}B`).join(' | ')}`);
    }

    assert.equal(h.daemon.child.exitCode, null, 'the daemon is still running');
    const pinned = await request({ port: h.port, path: '/v1/credentials/readonly', headers: { authorization: h.token } });
    assert.equal(pinned.status, 200, pinned.body);
    const creds = JSON.parse(pinned.body) as { AccessKeyId: string; Expiration: string };
    assert.match(creds.AccessKeyId, /^ASIA/);
    assert.ok(Date.parse(creds.Expiration) > Date.now() + 10 * 60_000);
    collect(pinned.body);
    const role = await request({ port: h.port, path: '/latest/meta-data/iam/security-credentials/', headers: { [IMDS_TOKEN]: imds } });
    assert.equal(role.status, 200, role.body);
    const viaImds = await request({ port: h.port, path: `/latest/meta-data/iam/security-credentials/${role.body}`, headers: { [IMDS_TOKEN]: imds } });
    assert.equal(viaImds.status, 200, viaImds.body);
    assert.equal((JSON.parse(viaImds.body) as { Code: string }).Code, 'Success');
    collect(viaImds.body);

    const rssAfter = memoryOf(h.daemon.child.pid ?? 0).rssKb;
    t.diagnostic(`daemon RSS before ${Math.round(rssBefore / 1024)} MB, after ${Math.round(rssAfter / 1024)} MB (+${((rssAfter - rssBefore) / 1024).toFixed(1)} MB)`);
    assert.ok(rssAfter - rssBefore < 50 * 1024, `RSS grew by ${rssAfter - rssBefore} kB`);

    const logs = h.daemon.logs();
    assertNoSecrets(logs, secrets(), 'the daemon log');
    t.diagnostic(`secrets checked against logs and error bodies: ${secrets().length}; log lines during fuzzing: ${logs.slice(logMark).split('\n').length}`);
    const errors = logs.slice(logMark).split('\n').filter((l) => /"level":(50|60)/.test(l));
    assert.deepEqual(errors, [], 'no error-level log lines (internal errors) while fuzzing');
  });
});
