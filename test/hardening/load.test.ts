// 1000 concurrent SDK-style requests (keep-alive agent, many sockets) against the live daemon:
// while the active profile's credentials are expiring, and for a pinned profile never fetched.
// Exactly one AssumeRole per burst; everyone gets the same valid credentials without a long wait.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import { after, before, describe, it, type TestContext } from 'node:test';
import { percentile } from '../shared/percentile.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { daemonStatus, startHarness, type Creds, type Harness } from '../support/hardening-harness.js';
import { request } from '../support/http-request.js';

const BURST = 1000;
/** Issued credentials get this much life left, so the broker's hard margin (60 s) is reached 2 s after issue. */
const LIFE_LEFT_S = 62;
const ISSUED_S = 900;

/**
 * N concurrent GETs over a keep-alive agent with room for all of them; prints each answer.
 * The client timeout only guards against a hang: one process opening 1000 connections on a
 * loaded 2-core machine can alone take many seconds (what the daemon adds is asserted apart).
 */
const CLIENTS = `
const http = require('node:http');
const [port, path, n] = process.argv.slice(1);
const agent = new http.Agent({ keepAlive: true, maxSockets: 2 * Number(n) });
const one = () => new Promise((resolve) => {
  const t0 = performance.now();
  const done = (r) => resolve({ ...r, ms: performance.now() - t0 });
  const req = http.get({ host: '127.0.0.1', port, path, agent, headers: { authorization: process.env.TOKEN } }, (res) => {
    let body = '';
    res.on('data', (d) => (body += d));
    res.on('end', () => done({ status: res.statusCode, body }));
  });
  req.on('error', (e) => done({ status: 0, error: e.message, body: '' }));
  req.setTimeout(120000, () => req.destroy(new Error('client timeout')));
});
Promise.all(Array.from({ length: Number(n) }, one)).then((all) => { process.stdout.write(JSON.stringify(all)); agent.destroy(); });
`;

/** One logged request: its status, when the daemon answered (epoch ms) and how long it spent in the daemon. */
interface Logged { status: number; time: number; ms: number }
interface BurstResult { statuses: Record<string, number>; keys: Set<string>; creds: Creds | undefined; client: number[]; daemon: number[]; logged: Logged[]; obtainedAt: number[]; peakFds: number }
/** The broker's cold wait: a request that finds no usable credentials waits this long for STS, then gets a fast 429. */
const COLD_WAIT_MS = 700;

describe(`load: ${BURST} concurrent requests`, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ switchTo: false });
  });
  after(async () => h?.close());

  /** Per-request records from the daemon's debug log (fastify's elapsedTime): what a client waits on credd itself. */
  async function daemonRequests(mark: number, route: RegExp, expected: number): Promise<{ requests: Logged[]; obtainedAt: number[] }> {
    // The log reaches us through a pipe after the answers: on a loaded machine the last lines of a
    // burst can arrive seconds later (978 of 1000 after 2 s on Node 24). Wait for them (up to 60 s);
    // a line that never comes still fails assertSafe.
    for (const deadline = Date.now() + 60_000; ; ) {
      const lines = h.daemon.logs().slice(mark).split('\n').filter((l) => l.startsWith('{'));
      const entries = lines.map((l) => JSON.parse(l) as { msg?: string; route?: string; status?: number; ms?: number; time: number });
      const requests = entries.flatMap((e) => (e.msg === 'request' && route.test(e.route ?? '') ? [{ status: e.status ?? 0, time: e.time, ms: e.ms ?? 0 }] : []));
      const obtainedAt = entries.flatMap((e) => (e.msg === 'credentials obtained' ? [e.time] : []));
      if (requests.length >= expected || Date.now() > deadline) return { requests, obtainedAt };
      await sleep(50);
    }
  }

  /** The clients run in their own process, as SDK clients do, so the STS emulator in this one stays responsive. */
  async function burst(path: string): Promise<BurstResult> {
    const mark = h.daemon.logs().length;
    const child = spawn(process.execPath, ['-e', CLIENTS, String(h.port), path, String(BURST)], { env: { TOKEN: h.token }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise((r) => child.once('exit', r));
    let peakFds = 0;
    for (let running = true; running; ) {
      peakFds = Math.max(peakFds, (await fs.readdir(`/proc/${h.daemon.child.pid}/fd`)).length);
      running = (await Promise.race([exited.then(() => false), sleep(20).then(() => true)]));
    }
    const replies = JSON.parse(out) as Array<{ status: number; error?: string; body: string; ms: number }>;
    const statuses: Record<string, number> = {};
    const keys = new Set<string>();
    let creds: Creds | undefined;
    for (const r of replies) {
      const key = `${r.status}${r.error !== undefined ? ` ${r.error}` : ''}`;
      statuses[key] = (statuses[key] ?? 0) + 1;
      if (r.status === 200) {
        creds = JSON.parse(r.body) as Creds;
        keys.add(`${creds.AccessKeyId}/${creds.SecretAccessKey}/${creds.Token}`);
      }
    }
    const client = replies.map((r) => r.ms).sort((a, b) => a - b);
    const { requests: logged, obtainedAt } = await daemonRequests(mark, /^\/v1\/credentials/, BURST);
    const daemon = logged.map((x) => x.ms).sort((a, b) => a - b);
    return { statuses, keys, creds, client, daemon, logged, obtainedAt, peakFds };
  }

  function report(t: TestContext, label: string, r: BurstResult, assumeRoles: number, baseline: BurstResult): void {
    const ms = (xs: number[]) => `p50 ${percentile(xs, 50).toFixed(0)} / p99 ${percentile(xs, 99).toFixed(0)} / max ${(xs.at(-1) ?? NaN).toFixed(0)} ms`;
    t.diagnostic(`${label}: ${BURST} concurrent requests → statuses ${JSON.stringify(r.statuses)}, ${r.keys.size} distinct credential set(s), AssumeRole calls: ${assumeRoles}`);
    t.diagnostic(`${label}: client-observed latency ${ms(r.client)} (${BURST} connects from one client process on a shared 2-core box)`);
    t.diagnostic(`${label}: time inside the daemon ${ms(r.daemon)} (${r.daemon.length} requests logged); the daemon held up to ${r.peakFds} fds`);
    t.diagnostic(`${label}: the same burst again right after (from cache when the first one succeeded): client ${ms(baseline.client)}, daemon ${ms(baseline.daemon)}`);
    const obtained = r.obtainedAt[0] ?? Infinity;
    t.diagnostic(`${label}: time in the daemon before the credentials were obtained ${ms(r.logged.map((x) => Math.max(0, Math.min(x.time, obtained) - (x.time - x.ms))).sort((a, b) => a - b))}`);
  }

  /**
   * What STS can add to a request is the time it spent in the daemon before the credentials
   * were obtained: the broker's cold wait at most (then the fast 429), plus its queue behind the
   * other requests of the burst. What comes after is the daemon writing a thousand answers,
   * which on a loaded 2-core machine can alone take seconds and is no wait on STS. The queue is
   * measured by the same burst served from cache right after: its longest time in the daemon.
   */
  function assertLatency(r: BurstResult, baseline: BurstResult): void {
    const obtained = r.obtainedAt[0] ?? Infinity;
    const onSts = r.logged.map((x) => Math.max(0, Math.min(x.time, obtained) - (x.time - x.ms)));
    const worst = Math.max(0, ...onSts);
    const queue = baseline.daemon.at(-1) ?? 0;
    // 2 ms: pino's time and fastify's elapsedTime are whole-ms views of the same clock.
    assert.ok(worst <= COLD_WAIT_MS + queue + 2, `a request spent ${worst} ms in the daemon before the credentials were obtained: more than the cold wait (${COLD_WAIT_MS} ms) plus the longest time of a cached burst (${queue} ms)`);
  }

  /** Holds however the burst went: never two STS calls, never two different answers, never anything but 200 or a fast "try again". */
  function assertSafe(r: BurstResult, assumeRoles: number): void {
    assert.ok(assumeRoles <= 1, `${assumeRoles} AssumeRole calls for one burst`);
    assert.ok(r.keys.size <= 1, 'everyone who got credentials got the same ones');
    assert.deepEqual(Object.keys(r.statuses).filter((s) => s !== '200' && s !== '429'), [], `statuses ${JSON.stringify(r.statuses)}`);
    assert.equal(r.daemon.length, BURST, 'the daemon logged every request');
  }

  /**
   * The goal: one AssumeRole, every request 200 with the same fresh credentials, nobody held up
   * by STS. The one designed exception, measured rather than guessed: when the fetch itself
   * (keychain + STS, on a busy machine) takes longer than the cold wait, a request that waited
   * the whole cold wait while it was still running gets the fast "try again" (429). Any other
   * 429 — one that did not wait, or that arrived after the credentials were obtained — fails.
   */
  async function assertServedAll(t: TestContext, r: BurstResult, assumeRoles: number, baseline: BurstResult): Promise<void> {
    await t.test('one AssumeRole, all 200 with the same fresh credentials, none held up by STS', () => {
      assert.equal(assumeRoles, 1, 'exactly one AssumeRole for the whole burst');
      const obtained = r.obtainedAt[0];
      assert.ok(obtained !== undefined, 'the daemon logged the credentials it obtained');
      const tryAgain = r.logged.filter((x) => x.status === 429);
      for (const x of tryAgain) {
        const arrived = x.time - x.ms;
        // fastify's elapsedTime and pino's time are both whole-ms views of the same clock: 2 ms of rounding.
        assert.ok(x.ms >= COLD_WAIT_MS - 2, `a 429 after only ${x.ms} ms in the daemon: it did not wait the cold wait`);
        assert.ok(arrived + COLD_WAIT_MS <= obtained + 2, `a 429 for a request that arrived ${arrived - obtained} ms after the credentials were obtained`);
      }
      const expected = tryAgain.length === 0 ? { 200: BURST } : { 200: BURST - tryAgain.length, 429: tryAgain.length };
      assert.deepEqual(r.statuses, expected, 'every request answered 200, but for those that waited out a slow fetch');
      t.diagnostic(tryAgain.length === 0 ? 'every request 200' : `${tryAgain.length} requests waited the full ${COLD_WAIT_MS} ms cold wait while the fetch ran (credentials obtained ${obtained - Math.min(...r.logged.map((x) => x.time - x.ms))} ms after the first request arrived) and got the fast 429`);
      assert.ok(r.creds);
      assert.match(r.creds.AccessKeyId, /^ASIA/);
      assert.ok(Date.parse(r.creds.Expiration) > Date.now() + 30 * 60_000, `fresh credentials, not the expiring ones (${r.creds.Expiration})`);
      // The client's view adds what the daemon's log cannot see (a blocked event loop leaves
      // requests in the accept queue). Its budget: the longest client of the cached burst, plus the
      // cold wait, plus the longest time this burst spent in the daemon (its wait on STS is bounded
      // on its own by assertLatency; the rest is the daemon answering a thousand requests, which on
      // a loaded machine can take longer in the first burst than in the cached one).
      const clientQueue = baseline.client.at(-1) ?? 0;
      const inDaemon = Math.max(baseline.daemon.at(-1) ?? 0, r.daemon.at(-1) ?? 0);
      assert.ok((r.client.at(-1) ?? Infinity) <= clientQueue + COLD_WAIT_MS + inDaemon, `a client waited ${r.client.at(-1)} ms: more than the longest client of a cached burst (${clientQueue} ms) plus the cold wait and the longest time in the daemon (${COLD_WAIT_MS + inDaemon} ms)`);
      assertLatency(r, baseline);
    });
  }

  it('while the active profile\'s credentials are expiring: one AssumeRole, the same new credentials for all', { timeout: 180_000 }, async (t) => {
    // The emulator's clock runs behind, so what it issues has only LIFE_LEFT_S seconds left on the daemon's real clock.
    h.sts.setMaxIssuedDurationSeconds(ISSUED_S);
    h.sts.advance(-(ISSUED_S - LIFE_LEFT_S) * 1000);
    const sw = await h.box.credd(['switch', 'readonly']);
    assert.equal(sw.code, 0, sw.stderr);
    const old = JSON.parse((await request({ port: h.port, path: '/v1/credentials', headers: { authorization: h.token } })).body) as Creds;
    h.sts.advance((ISSUED_S - LIFE_LEFT_S) * 1000);
    h.sts.setMaxIssuedDurationSeconds(undefined);
    // Within the hard margin the broker will not serve them; its background refresh is not due until half the life is gone.
    // They reach the hard margin LIFE_LEFT_S - 60 s after issue; refresh-ahead replaces them half-way (31 s).
    const seen: string[] = [];
    for (const deadline = Date.now() + 25_000; ; ) {
      const state = (await daemonStatus(h)).profiles.find((p) => p.name === 'readonly')?.freshness ?? 'none';
      if (seen.at(-1) !== state) seen.push(state);
      if (state === 'expired') break;
      assert.ok(Date.now() < deadline, `the credentials never reached the expiring state (seen: ${seen.join(' → ')})`);
      await sleep(100);
    }
    t.diagnostic(`cached credentials expire at ${old.Expiration}; the daemon now counts them as expiring (inside its 60 s margin)`);
    h.sts.resetCounts();
    const r = await burst('/v1/credentials');
    const assumeRoles = h.sts.counts['AssumeRole'] ?? 0;
    const baseline = await burst('/v1/credentials');
    report(t, 'expiring', r, assumeRoles, baseline);
    assertSafe(r, assumeRoles);
    assert.ok(r.creds === undefined || r.creds.AccessKeyId !== old.AccessKeyId, 'the expiring credentials were not handed out');
    await assertServedAll(t, r, assumeRoles, baseline);
  });

  it('a pinned profile never fetched before: one AssumeRole for a cold burst', { timeout: 180_000 }, async (t) => {
    assert.equal((await daemonStatus(h)).profiles.some((p) => p.name === 'pin0'), false, 'pin0 has never been asked for');
    h.sts.resetCounts();
    const r = await burst('/v1/credentials/pin0');
    const assumeRoles = h.sts.counts['AssumeRole'] ?? 0;
    const baseline = await burst('/v1/credentials/pin0');
    report(t, 'cold', r, assumeRoles, baseline);
    assertSafe(r, assumeRoles);
    await assertServedAll(t, r, assumeRoles, baseline);
    const stats = (await daemonStatus(h)).stats;
    t.diagnostic(`broker stats after both bursts: ${JSON.stringify(stats)}`);
  });
});
