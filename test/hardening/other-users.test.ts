// Another local user is an attacker too (issue 13, items 1 and 3): with credd-attacker's uid,
// the daemon's token and an IMDS session token buy nothing; the audit names the uid; a port
// squatted by that user is named by the daemon and warned about by env, status and doctor.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandbox, type Sandbox } from '../support/cli-harness.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertNoCredential } from '../support/assert-no-secrets.js';
import { freePort } from '../support/free-port.js';
import { request } from '../support/http-request.js';
import { startHarness, type Harness } from '../support/hardening-harness.js';
import { otherUser, type OtherUser } from '../support/other-user.js';

const other = otherUser();
const SKIP = typeof other === 'string' ? other : false;
const TTL = 'x-aws-ec2-metadata-token-ttl-seconds';
const ROLE = '/latest/meta-data/iam/security-credentials/readonly';

function attacker(): OtherUser {
  if (typeof other === 'string') throw new Error(other);
  return other;
}

describe('another local user gets no credentials', { skip: SKIP }, () => {
  let h: Harness;
  let imdsToken = '';
  const url = (p: string): string => `http://127.0.0.1:${h.port}${p}`;

  before(async () => {
    h = await startHarness();
    imdsToken = (await request({ port: h.port, method: 'PUT', path: '/latest/api/token', headers: { [TTL]: '600' } })).body;
  });
  after(async () => h?.close());

  it('the ECS endpoint refuses its connections even with the right token (403 naming the reason); ours still get 200', async () => {
    for (const p of ['/v1/credentials', '/v1/credentials/readonly', '/v1/credentials/admin']) {
      const r = await attacker().curl(url(p), { headers: { authorization: h.token } });
      assert.ok(r.status === 403 || r.status === 0, `${p}: ${r.status}`);
      assertNoCredential(r.body, p);
      if (r.status === 403) assert.match(r.body, new RegExp(`uid ${attacker().uid}`));
    }
    const mine = await request({ port: h.port, path: '/v1/credentials/readonly', headers: { authorization: h.token } });
    assert.equal(mine.status, 200, mine.body);
  });

  it('a second request on the same keep-alive connection is refused too (the uid is remembered per connection)', async () => {
    const u = url('/v1/credentials/readonly');
    const r = await attacker().run('curl', ['-sS', '-m', '5', '-H', `authorization: ${h.token}`, '-w', '\n=%{http_code} %{num_connects}\n', u, u]);
    const answers = [...r.stdout.matchAll(/^=(\d+) (\d+)$/gm)].map((m) => ({ status: Number(m[1]), connects: Number(m[2]) }));
    assert.equal(answers.length, 2, r.stdout + r.stderr);
    // The second answer came over the first connection: the refusal decided from the remembered uid.
    assert.deepEqual(answers, [{ status: 403, connects: 1 }, { status: 403, connects: 0 }]);
    assertNoCredential(r.stdout, 'keep-alive');
  });

  it('a connection from another loopback address that reuses the port of one of ours is still its own (no borrowed uid)', async () => {
    // Our user holds 127.0.0.1:C → daemon. Any 127.x address may connect to 127.0.0.1, and the
    // kernel lets another user bind 127.0.0.2:C; matching the client by its port alone found our row.
    const fromOurPort = async (args: string[]) => {
      const ours = net.connect(h.port, '127.0.0.1');
      await new Promise((r) => ours.once('connect', r));
      try {
        const port = String(ours.localPort);
        const r = await attacker().run('curl', ['-sS', '-m', '5', '--interface', '127.0.0.2', '--local-port', port, ...args, '-w', '\n%{http_code}']);
        const cut = r.stdout.lastIndexOf('\n');
        return { status: Number(r.stdout.slice(cut + 1)) || 0, body: r.stdout.slice(0, Math.max(0, cut)), why: `127.0.0.2:${port} → ${r.stderr}` };
      } finally {
        ours.destroy();
      }
    };
    const ecs = await fromOurPort(['-H', `authorization: ${h.token}`, url('/v1/credentials/readonly')]);
    assert.equal(ecs.status, 403, `ECS: ${ecs.why}`);
    assert.match(ecs.body, new RegExp(`uid ${attacker().uid}`));
    assertNoCredential(ecs.body, 'ECS from 127.0.0.2');
    const put = await fromOurPort(['-X', 'PUT', '-H', `${TTL}: 600`, url('/latest/api/token')]);
    assert.equal(put.status, 403, `IMDS token: ${put.why}`);
    const get = await fromOurPort(['-H', `x-aws-ec2-metadata-token: ${imdsToken}`, url(ROLE)]);
    assert.equal(get.status, 403, `IMDS credentials: ${get.why}`);
    assertNoCredential(get.body, 'IMDS from 127.0.0.2');
  });

  it('while the daemon listens, no socket of theirs can take connections to 127.0.0.1:PORT (why `credd status` skips the port check on Linux)', async () => {
    // Each bind another user could try for our port; only an IPv6-only [::] socket may coexist.
    const script = `
      const net = require('net');
      const tries = [['127.0.0.1', {}], ['0.0.0.0', {}], ['::', { ipv6Only: false }], ['::ffff:127.0.0.1', {}], ['127.0.0.1', { reusePort: true }], ['::', { ipv6Only: true }]];
      (async () => {
        const open = [];
        for (const [host, o] of tries) {
          const s = net.createServer((c) => c.end('HTTP/1.1 200 OK\\r\\ncontent-length: 7\\r\\n\\r\\nstolen!'));
          const r = await new Promise((res) => { s.once('error', (e) => res(e.code)); s.listen({ port: Number(process.argv[1]), host, ...o }, () => res('BOUND')); });
          if (r === 'BOUND') open.push(s);
          console.log(host + ' ' + JSON.stringify(o) + ' ' + r);
        }
        console.log('done');
      })();`;
    const squatter = attacker().spawn(process.execPath, ['-e', script, String(h.port)]);
    try {
      let out = '';
      await new Promise<void>((resolve, reject) => {
        squatter.stdout?.on('data', (d: Buffer) => (out += d.toString()).includes('done') && resolve());
        squatter.once('exit', (code) => reject(new Error(`the squatter exited (${code}): ${out}`)));
      });
      const lines = out.trim().split('\n').slice(0, -1);
      assert.deepEqual(lines.filter((l) => !l.endsWith(' EADDRINUSE')), [':: {"ipv6Only":true} BOUND'], out);
      // While it listens, our clients' connections to 127.0.0.1:PORT still reach credd.
      const r = await request({ port: h.port, path: '/v1/credentials/readonly', headers: { authorization: h.token } });
      assert.equal(r.status, 200, r.body);
      assert.doesNotMatch(r.body, /stolen/);
      const status = await h.box.credd(['status']);
      assert.equal(status.code, 0, status.stderr);
      assert.doesNotMatch(status.stdout + status.stderr, /WARNING|warning/);
    } finally {
      squatter.kill('SIGKILL');
    }
  });

  it('IMDS: no session token for it, and our session token does not work from its uid', async () => {
    const put = await attacker().curl(url('/latest/api/token'), { method: 'PUT', headers: { [TTL]: '21600' } });
    assert.ok(put.status === 403 || put.status === 0, `PUT: ${put.status} ${put.body}`);
    assert.ok(put.body.length < 43 || put.body.includes('uid'), 'no token in the answer');
    for (const p of ['/latest/meta-data/iam/security-credentials/', ROLE]) {
      const r = await attacker().curl(url(p), { headers: { 'x-aws-ec2-metadata-token': imdsToken } });
      assert.ok(r.status === 403 || r.status === 0, `${p}: ${r.status}`);
      assertNoCredential(r.body, p);
    }
    const mine = await request({ port: h.port, path: ROLE, headers: { 'x-aws-ec2-metadata-token': imdsToken } });
    assert.equal(mine.status, 200, mine.body);
  });

  it('the audit line records the peer uid of refused and served requests', async () => {
    await attacker().curl(url('/v1/credentials/readonly'), { headers: { authorization: h.token } });
    await request({ port: h.port, path: '/v1/credentials/readonly', headers: { authorization: h.token } });
    const file = path.join(h.box.home, 'audit.log');
    const deadline = Date.now() + 10_000;
    let entries: Array<{ uid?: number; status: number; profile: string; command: string }> = [];
    for (;;) {
      const text = await fs.readFile(file, 'utf8').catch(() => '');
      entries = text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as (typeof entries)[number]);
      if (entries.some((e) => e.uid === attacker().uid) && entries.some((e) => e.uid === process.getuid?.() && e.status === 200)) break;
      assert.ok(Date.now() < deadline, `no audit entry with both uids: ${JSON.stringify(entries)}`);
      await sleep(100);
    }
    assert.ok(entries.filter((e) => e.uid === attacker().uid).every((e) => e.status === 403), JSON.stringify(entries));
    // No process lookup is spent on a refused connection (as the user credd runs as, it could not
    // read another user's fds anyway; each try would scan every process on the machine).
    assert.ok(entries.filter((e) => e.uid === attacker().uid).every((e) => e.command === 'unknown'), JSON.stringify(entries));
  });

  it('credd daemon --no-imds (or CREDD_IMDS=off) turns IMDS off: 404 ImdsOff, ECS still served', async () => {
    await h.restart({ ...h.box.env, CREDD_IMDS: 'off' });
    const put = await request({ port: h.port, method: 'PUT', path: '/latest/api/token', headers: { [TTL]: '600' } });
    assert.equal(put.status, 404, put.body);
    assert.match(put.body, /ImdsOff/);
    // A restarted daemon's cache is cold: 429 (Pending) until STS answers, then 200.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const ecs = await request({ port: h.port, path: '/v1/credentials/readonly', headers: { authorization: h.token } });
      if (ecs.status === 200) break;
      assert.equal(ecs.status, 429, ecs.body);
      assert.ok(Date.now() < deadline, 'still pending after 15 s');
      await sleep(200);
    }
    await h.restart(h.box.env);
  });
});

describe('a port squatted by another user', { skip: SKIP }, () => {
  let box: Sandbox;
  let squatter: ChildProcess;
  let port = 0;

  before(async () => {
    box = await sandbox({ config: '[profile base]\nregion = us-east-1\n', stsUrl: 'http://127.0.0.1:9' });
    port = await freePort();
    squatter = attacker().spawn(process.execPath, ['-e', "require('net').createServer((s) => s.end()).listen(Number(process.argv[1]), '127.0.0.1', () => console.log('up'))", String(port)]);
    await new Promise<void>((resolve, reject) => {
      squatter.stdout?.on('data', (d: Buffer) => d.toString().includes('up') && resolve());
      squatter.once('exit', (code) => reject(new Error(`the squatter exited (${code})`)));
    });
  });
  after(async () => {
    squatter?.kill('SIGKILL');
    await box?.cleanup();
  });

  it('credd daemon refuses to start and names the other user and its uid', async () => {
    const r = await box.credd(['daemon', '--port', String(port)]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is held by ANOTHER USER, uid ${attacker().uid} \\(${attacker().name}\\)`));
    assert.ok(r.stderr.trim().split('\n').length <= 2, r.stderr);
  });

  it('credd env still prints its lines but warns on stderr; status and doctor warn too', async () => {
    const env = { CREDD_PORT: String(port) };
    const e = await box.credd(['env'], { env });
    assert.equal(e.code, 0, e.stderr);
    assert.match(e.stdout, /AWS_CONTAINER_CREDENTIALS_FULL_URI/);
    assert.match(e.stderr, new RegExp(`WARNING: port ${port} .* ANOTHER USER, uid ${attacker().uid}`));
    const s = await box.credd(['status'], { env });
    assert.match(s.stdout + s.stderr, new RegExp(`WARNING: port ${port} .* ANOTHER USER`));
    const d = await box.credd(['doctor'], { env });
    assert.match(d.stdout, new RegExp(`✗ WARNING: port ${port} .* ANOTHER USER`));
  });
});
