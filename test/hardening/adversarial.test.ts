// Hostile requests against the real daemon over TCP (docs/architecture.md, Security model): every one gets the right
// 4xx (or a cut connection) and never a credential.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertNoCredential } from '../support/assert-no-secrets.js';
import { daemonStatus, startHarness, type Harness } from '../support/hardening-harness.js';
import { rawRequest } from '../support/raw-request.js';
import { request } from '../support/http-request.js';

type Answer = { status: number; text: string };
/** name, request, expected status(es) (0 = connection cut). Every case must hold: there is no "todo" way out. */
type Case = [string, () => Promise<Answer>, number | readonly number[]];

const TTL = 'x-aws-ec2-metadata-token-ttl-seconds';
const IMDS_TOKEN = 'x-aws-ec2-metadata-token';
const ROLE = '/latest/meta-data/iam/security-credentials/readonly';
const MIB = 1024 * 1024;
/** The daemon's headersTimeout: the earliest it cuts a socket that never finishes its headers. */
const HEADERS_TIMEOUT_MS = 5_000;

describe('adversarial requests against the live daemon', () => {
  let h: Harness;
  let imds = '';
  let shortLived = '';
  let shortLivedAt = 0;

  before(async () => {
    h = await startHarness();
    const put = (ttl: string) => request({ port: h.port, method: 'PUT', path: '/latest/api/token', headers: { [TTL]: ttl } });
    imds = (await put('21600')).body;
    shortLived = (await put('1')).body;
    shortLivedAt = Date.now();
  });
  after(async () => h?.close());

  const http = (o: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer }) => async (): Promise<Answer> => {
    const r = await request({ port: h.port, method: o.method ?? 'GET', path: o.path ?? '/v1/credentials', headers: o.headers ?? {}, ...(o.body !== undefined && { body: o.body }) });
    return { status: r.status, text: r.body };
  };
  const auth = (extra: Record<string, string> = {}) => ({ authorization: h.token, ...extra });
  const raw = (data: () => string | Buffer) => async (): Promise<Answer> => {
    const r = await rawRequest({ port: h.port }, data());
    return { status: r.status, text: r.raw };
  };
  const line = (method: string, target: string, headers = '', version = 'HTTP/1.1') =>
    raw(() => `${method} ${target} ${version}\r\nHost: 127.0.0.1:${h.port}\r\nAuthorization: ${h.token}\r\n${headers}\r\n`);
  const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);

  async function runCases(t: TestContext, list: Case[]): Promise<void> {
    t.diagnostic(`${list.length} hostile requests`);
    for (const [name, send, expected] of list) {
      await t.test(name, async () => {
        const r = await send();
        assertNoCredential(r.text, name);
        const want = typeof expected === 'number' ? [expected] : expected;
        assert.ok(want.includes(r.status), `${name}: got ${r.status}, expected ${want.join('|')}: ${r.text.slice(0, 200)}`);
      });
    }
  }

  it('refuses missing, wrong and misplaced tokens', (t) =>
    runCases(t, [
      ['no Authorization header', http({}), 401],
      ['a wrong token', http({ headers: { authorization: 'x'.repeat(43) } }), 403],
      ['right length, last byte changed', () => http({ headers: { authorization: flip(h.token, h.token.length - 1) } })(), 403],
      ['right length, first byte changed', () => http({ headers: { authorization: flip(h.token, 0) } })(), 403],
      ['the token minus its last character', () => http({ headers: { authorization: h.token.slice(0, -1) } })(), 403],
      ['the token plus one character', () => http({ headers: { authorization: `${h.token}A` } })(), 403],
      ['the token upper-cased', () => http({ headers: { authorization: h.token.toUpperCase() } })(), 403],
      ['"Bearer <token>"', () => http({ headers: { authorization: `Bearer ${h.token}` } })(), 403],
      ['"Basic base64(token)"', () => http({ headers: { authorization: `Basic ${Buffer.from(h.token).toString('base64')}` } })(), 403],
      ['an empty Authorization header', () => raw(() => `GET /v1/credentials HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\nAuthorization:\r\n\r\n`)(), 403],
      ['wrong then right Authorization (duplicate)', () => raw(() => `GET /v1/credentials HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\nAuthorization: wrong\r\nAuthorization: ${h.token}\r\n\r\n`)(), 403],
      ['token in X-Aws-Ec2-Metadata-Token', () => http({ headers: { [IMDS_TOKEN]: h.token } })(), 401],
      ['token in Proxy-Authorization', () => http({ headers: { 'proxy-authorization': h.token } })(), 401],
      ['token in a Cookie', () => http({ headers: { cookie: `token=${h.token}` } })(), 401],
      ['token in the query (?token=)', () => http({ path: `/v1/credentials?token=${h.token}` })(), 401],
      ['token in the query (?authorization=)', () => http({ path: `/v1/credentials?authorization=${h.token}` })(), 401],
      ['token as the pinned profile name', () => http({ path: `/v1/credentials/${h.token}` })(), 401],
      ['pinned profile, no token', http({ path: '/v1/credentials/readonly' }), 401],
      ['pinned profile, wrong token', http({ path: '/v1/credentials/readonly', headers: { authorization: 'y'.repeat(43) } }), 403],
      ['an IMDS session token as the ECS token', () => http({ headers: { authorization: imds } })(), 403],
    ]));

  it('refuses foreign, rebinding and missing Host headers', (t) => {
    const host = (value: string) => () => http({ headers: auth({ host: value }) })();
    return runCases(t, [
      ['Host evil.example', host('evil.example'), 400],
      ['Host 127.0.0.1.nip.io:PORT (rebinding)', () => host(`127.0.0.1.nip.io:${h.port}`)(), 400],
      ['Host localhost.evil.example:PORT', () => host(`localhost.evil.example:${h.port}`)(), 400],
      ['Host 127.0.0.1 on another port', () => host(`127.0.0.1:${h.port + 1}`)(), 400],
      ['Host localhost on another port', () => host(`localhost:${h.port + 1}`)(), 400],
      ['Host 127.1:PORT', () => host(`127.1:${h.port}`)(), 400],
      ['Host 2130706433:PORT', () => host(`2130706433:${h.port}`)(), 400],
      ['Host [::1]:PORT', () => host(`[::1]:${h.port}`)(), 400],
      ['Host localhost.:PORT (trailing dot)', () => host(`localhost.:${h.port}`)(), 400],
      ['Host 127.0.0.1:PORT@evil.example', () => host(`127.0.0.1:${h.port}@evil.example`)(), 400],
      ['an empty Host', raw(() => `GET /v1/credentials HTTP/1.1\r\nHost:\r\nAuthorization: ${h.token}\r\n\r\n`), 400],
      ['HTTP/1.1 without Host', raw(() => `GET /v1/credentials HTTP/1.1\r\nAuthorization: ${h.token}\r\n\r\n`), 400],
      ['HTTP/1.0 without Host', raw(() => `GET /v1/credentials HTTP/1.0\r\nAuthorization: ${h.token}\r\n\r\n`), 400],
      ['absolute-form URI naming another host', () => line('GET', 'http://evil.example/v1/credentials')(), 400],
      ['IMDS token PUT with Host evil.example', () => http({ method: 'PUT', path: '/latest/api/token', headers: { [TTL]: '60', host: 'evil.example' } })(), 400],
      ['IMDS credentials with Host evil.example', () => http({ path: ROLE, headers: { [IMDS_TOKEN]: imds, host: 'evil.example' } })(), 400],
      ['two Host headers, ours first then evil (RFC 9112 §3.2: 400)', raw(() => `GET /v1/credentials HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\nHost: evil.example\r\nAuthorization: ${h.token}\r\n\r\n`), 400],
    ]);
  });

  it('refuses requests carrying browser headers', (t) => {
    const browser = (name: string, value: string) => () => http({ headers: auth({ [name]: value }) })();
    return runCases(t, [
      ['Origin http://evil.example', browser('origin', 'http://evil.example'), 403],
      ['Origin null', browser('origin', 'null'), 403],
      ['Origin of our own port', () => browser('origin', `http://127.0.0.1:${h.port}`)(), 403],
      ['an empty Origin', raw(() => `GET /v1/credentials HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\nOrigin:\r\nAuthorization: ${h.token}\r\n\r\n`), 403],
      ['Referer', browser('referer', 'http://evil.example/page'), 403],
      ['Sec-Fetch-Site', browser('sec-fetch-site', 'cross-site'), 403],
      ['Sec-Fetch-Mode', browser('sec-fetch-mode', 'cors'), 403],
      ['Sec-Fetch-Dest', browser('sec-fetch-dest', 'empty'), 403],
      ['Sec-Fetch-User', browser('sec-fetch-user', '?1'), 403],
      ['Sec-Fetch-Storage-Access (any Sec-Fetch-* is a browser)', browser('sec-fetch-storage-access', 'none'), 403],
      ['IMDS token PUT with Origin', () => http({ method: 'PUT', path: '/latest/api/token', headers: { [TTL]: '60', origin: 'http://evil.example' } })(), 403],
      ['IMDS credentials with Referer', () => http({ path: ROLE, headers: { [IMDS_TOKEN]: imds, referer: 'http://evil.example/' } })(), 403],
    ]);
  });

  it('refuses IMDS requests without a valid session token, and bad token requests', async (t) => {
    await sleep(Math.max(0, shortLivedAt + 1_100 - Date.now()));
    const get = (headers: Record<string, string>, p = ROLE) => () => http({ path: p, headers })();
    const put = (headers: Record<string, string>, method = 'PUT') => () => http({ method, path: '/latest/api/token', headers })();
    await runCases(t, [
      ['credentials without a token', get({}), 401],
      ['the role list without a token', get({}, '/latest/meta-data/iam/security-credentials/'), 401],
      ['an expired token (TTL 1, after 1.1 s)', () => get({ [IMDS_TOKEN]: shortLived })(), 401],
      ['a forged token', get({ [IMDS_TOKEN]: 'Zm9yZ2VkLXRva2VuLWZvcmdlZC10b2tlbi1mb3JnZWQtdG9r' }), 401],
      ['a real token with one byte changed', () => get({ [IMDS_TOKEN]: flip(imds, 5) })(), 401],
      ['the ECS token as the IMDS token', () => get({ [IMDS_TOKEN]: h.token })(), 401],
      ['the IMDS token in Authorization', () => get({ authorization: imds })(), 401],
      ['another role name with a valid token', () => get({ [IMDS_TOKEN]: imds }, '/latest/meta-data/iam/security-credentials/admin')(), 404],
      ['token PUT with X-Forwarded-For', put({ [TTL]: '60', 'x-forwarded-for': '203.0.113.9' }), 403],
      ['token PUT with X-Forwarded-For 127.0.0.1', put({ [TTL]: '60', 'x-forwarded-for': '127.0.0.1' }), 403],
      ['token PUT with an empty X-Forwarded-For', raw(() => `PUT /latest/api/token HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\n${TTL}: 60\r\nX-Forwarded-For:\r\n\r\n`), 403],
      ['token PUT without a TTL', put({}), 400],
      ...['0', '21601', '-1', '1.5', 'abc', '1e3', '0x10', '99999', '1 2'].map((ttl): Case => [`token PUT with TTL "${ttl}"`, put({ [TTL]: ttl }), 400]),
      ['token PUT with an empty TTL', raw(() => `PUT /latest/api/token HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\n${TTL}:\r\n\r\n`), 400],
      ['token by GET', put({ [TTL]: '60' }, 'GET'), 405],
      ['token by POST', put({ [TTL]: '60' }, 'POST'), 405],
      ['token by DELETE', put({ [TTL]: '60' }, 'DELETE'), 405],
      ['credentials by PUT', () => http({ method: 'PUT', path: ROLE, headers: { [IMDS_TOKEN]: imds } })(), 405],
    ]);
  });

  it('keeps the control socket private (0600 in a 0700 dir) and the control API off TCP', async (t) => {
    const sock = await fs.stat(h.controlSocket);
    assert.ok(sock.isSocket());
    assert.equal(sock.mode & 0o777, 0o600, `control socket mode ${(sock.mode & 0o777).toString(8)}`);
    assert.equal((await fs.stat(path.dirname(h.controlSocket))).mode & 0o777, 0o700);
    assert.equal((await fs.stat(path.join(h.box.home, 'token'))).mode & 0o777, 0o600);
    const json = { 'content-type': 'application/json' };
    const ctl = (method: string, p: string, body?: string) => () => http({ method, path: p, headers: auth(json), ...(body !== undefined && { body }) })();
    await runCases(t, [
      ['GET /v1/status over TCP', ctl('GET', '/v1/status'), 404],
      ['POST /v1/switch over TCP', ctl('POST', '/v1/switch', '{"profile":"admin"}'), 404],
      ['POST /v1/stop over TCP', ctl('POST', '/v1/stop', '{}'), 404],
      ['POST /v1/clear over TCP', ctl('POST', '/v1/clear', '{}'), 404],
      ['POST /v1/prime over TCP', ctl('POST', '/v1/prime', '{"profile":"admin"}'), 404],
      ['POST /v1/mfa over TCP', ctl('POST', '/v1/mfa', '{"profile":"admin","code":"123456"}'), 404],
      ['POST /v1/credentials (export) over TCP', ctl('POST', '/v1/credentials', '{"profile":"readonly"}'), 405],
    ]);
    const status = await daemonStatus(h);
    assert.equal(status.activeProfile, 'readonly', 'nothing sent over TCP switched, cleared or stopped the daemon');
  });

  it('refuses methods it does not serve', (t) =>
    runCases(t, [
      ...['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'].map((m): Case => [`${m} /v1/credentials`, () => http({ method: m, headers: auth() })(), 405]),
      ['POST /v1/credentials/readonly', () => http({ method: 'POST', path: '/v1/credentials/readonly', headers: auth() })(), 405],
      ...['TRACE', 'PROPFIND', 'SEARCH', 'MKCOL'].map((m): Case => [`${m} /v1/credentials`, () => line(m, '/v1/credentials')(), [404, 405]]),
      ['CONNECT 127.0.0.1:PORT', () => line('CONNECT', `127.0.0.1:${h.port}`)(), [0, 400, 405]],
      ['lowercase get', () => line('get', '/v1/credentials')(), 400],
      ['mixed-case GeT', () => line('GeT', '/v1/credentials')(), 400],
      ['garbage method FOO', () => line('FOO', '/v1/credentials')(), 400],
      ['method with a NUL byte', () => line('G\0T', '/v1/credentials')(), 400],
      ['a 1000-letter method', () => line('G'.repeat(1000), '/v1/credentials')(), 400],
      ['HTTP/2 preface on the HTTP/1 port', raw(() => 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), 400],
      ['HTTP/9.9', () => line('GET', '/v1/credentials', '', 'HTTP/9.9')(), 400],
    ]));

  it('refuses traversal, encoded and malformed paths', (t) => {
    const p = (target: string, want: number | readonly number[]): Case => [target.slice(0, 70), () => line('GET', target)(), want];
    return runCases(t, [
      p('/v1/credentials/..%2f..', 400), p('/v1/credentials/..%2F..%2Fetc%2Fpasswd', 400), p('/v1/credentials/%2e%2e', 409), p('/v1/credentials/..', 409),
      p('/v1/credentials/../credentials', 404), p('/v1/credentials/./readonly', 404), p('/v1/credentials/readonly/', 404), p('/v1/credentials/readonly%2f..', 400),
      p('/v1/credentials/%c0%ae%c0%ae', 400), p('/v1/credentials/%c0%af', 400), p('/v1/credentials/%e0%80%ae', 400), p('/v1/credentials/%ff', 400),
      p('/v1/credentials/%00', 400), p('/v1/credentials/readonly%00', 400), p('/v1/credentials%00', 404), p('/v1/credentials/%', 400), p('/v1/credentials/%zz', 400),
      p('/v1/credentials;jsessionid=1', 404), p('/v1/credentials%20', 404), p('/v1/credentials\\..\\x', 404), p('/V1/CREDENTIALS', 404),
      p(`/v1/credentials/${'a'.repeat(129)}`, 400), p(`/v1/credentials/${'a'.repeat(300)}`, 414), p('*', 404), p('/', 404),
      p('/latest/%2e%2e/v1/credentials', 401), p('/latest/meta-data/../../v1/credentials', 401),
      ['IMDS role name ..%2freadonly with a valid token', () => line('GET', '/latest/meta-data/iam/security-credentials/..%2freadonly', `${IMDS_TOKEN}: ${imds}\r\n`)(), 404],
      ['IMDS role name readonly%00 with a valid token', () => line('GET', `${ROLE}%00`, `${IMDS_TOKEN}: ${imds}\r\n`)(), 404],
    ]);
  });

  it('refuses oversized headers and bodies', (t) => {
    const big = (n: number) => 'a'.repeat(n);
    const chunked = (method: string, target: string, type: string) =>
      raw(() => `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\n${TTL}: 60\r\nContent-Type: ${type}\r\nTransfer-Encoding: chunked\r\n\r\n${(MIB).toString(16)}\r\n${big(MIB)}\r\n0\r\n\r\n`);
    // A server that answers before reading a large body closes with unread bytes, and the kernel then resets the
    // connection: the reset can overtake the answer (seen under load). A cut connection is a refusal too.
    const CUT = 0;
    return runCases(t, [
      ['a 20 KiB header', () => line('GET', '/v1/credentials', `X-Big: ${big(20_000)}\r\n`)(), [431, 0]],
      ['a 20 KiB Authorization', raw(() => `GET /v1/credentials HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\nAuthorization: ${h.token}${big(20_000)}\r\n\r\n`), [431, 0]],
      ['3000 headers', () => line('GET', '/v1/credentials', Array.from({ length: 3000 }, (_, i) => `X-${i}: 1\r\n`).join(''))(), [431, 0]],
      ['a 20 KiB query string', () => line('GET', `/v1/credentials?${big(20_000)}`, '')(), [414, 431, 0]],
      ['token PUT with a 1 MiB text body', () => http({ method: 'PUT', path: '/latest/api/token', headers: { [TTL]: '60', 'content-type': 'text/plain' }, body: Buffer.alloc(MIB, 97) })(), [413, CUT]],
      ['token PUT with a 1 MiB untyped body', () => http({ method: 'PUT', path: '/latest/api/token', headers: { [TTL]: '60' }, body: Buffer.alloc(MIB, 97) })(), [413, 415, CUT]],
      ['token PUT with a chunked 1 MiB JSON body', () => chunked('PUT', '/latest/api/token', 'application/json')(), [413, CUT]],
      ['POST /v1/credentials with a chunked 1 MiB body', () => chunked('POST', '/v1/credentials', 'application/json')(), [405, 413, CUT]],
      ['GET without token with a 1 MiB body', raw(() => `GET /v1/credentials HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\nContent-Length: ${MIB}\r\n\r\n${big(MIB)}`), [401, CUT]],
      ['POST /v1/switch over TCP with a 1 MiB JSON body', () => http({ method: 'POST', path: '/v1/switch', headers: auth({ 'content-type': 'application/json' }), body: `{"profile":"${big(MIB)}"}` })(), [404, 413, CUT]],
    ]);
  });

  it('keeps serving during a slow-loris attack and cuts the slow sockets off', { timeout: 30_000 }, async (t) => {
    const started = performance.now();
    const header = `GET /v1/credentials HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\nAuthorization: ${h.token}\r\nX-Slow: ${'a'.repeat(100)}`;
    const body = `PUT /latest/api/token HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\n${TTL}: 60\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n`;
    const slow = (text: string, first: number) => {
      const s = net.connect(h.port, '127.0.0.1');
      let sent = 0;
      let got = '';
      const result = { kind: first === 0 ? 'headers' : 'body', cutAfterMs: Infinity, got: '' };
      s.on('connect', () => s.write(text.slice(0, first)));
      const timer = setInterval(() => s.writable && s.write(text[first + sent++] ?? 'a'), 1_000);
      s.on('data', (d: Buffer) => (got += d.toString('latin1')));
      s.on('error', () => undefined);
      s.on('close', () => {
        clearInterval(timer);
        Object.assign(result, { cutAfterMs: performance.now() - started, got });
      });
      return { s, result };
    };
    const sockets = [...Array.from({ length: 5 }, () => slow(header, 0)), slow(body, body.length)];
    const latencies: number[] = [];
    /** Valid requests answered while every slow socket still held its connection. */
    let duringAttack = 0;
    while (performance.now() - started < 13_000 && sockets.some((x) => !x.s.destroyed)) {
      const r = await request({ port: h.port, path: '/v1/credentials', headers: { authorization: h.token } });
      assert.equal(r.status, 200);
      latencies.push(r.ms);
      if (sockets.every((x) => !x.s.destroyed)) duringAttack++;
      await sleep(250);
    }
    for (const x of sockets) x.s.destroy();
    const cuts = sockets.map((x) => x.result);
    t.diagnostic(`valid requests during the attack: ${latencies.length}, max latency ${Math.max(...latencies).toFixed(1)} ms`);
    t.diagnostic(`slow sockets cut after (ms): ${cuts.map((c) => `${c.kind}=${Number.isFinite(c.cutAfterMs) ? Math.round(c.cutAfterMs) : 'still open at 13 s'}`).join(', ')}`);
    for (const c of cuts) assertNoCredential(c.got, `slow ${c.kind} socket`);
    // Served during the attack, not after it: a request held up by the slow sockets would be
    // answered only once the daemon cut one, after its headers timeout (5 s). How fast beyond
    // that is the CPU's to say on a loaded machine, and the benchmark's to measure.
    await t.test('valid requests are served meanwhile, none held until a slow socket is cut', () => {
      assert.ok(duringAttack >= 1, 'no valid request answered while the slow sockets were open');
      assert.ok(Math.max(...latencies) < HEADERS_TIMEOUT_MS, `a valid request took ${Math.max(...latencies)} ms`);
    });
    await t.test('slow sockets are cut within ~10 s (headersTimeout 5 s, requestTimeout 10 s)', () => {
      for (const c of cuts) assert.ok(c.cutAfterMs <= (c.kind === 'headers' ? 10_500 : 12_500), `${c.kind} socket cut after ${Math.round(c.cutAfterMs)} ms`);
    });
  });
});
