// The audit trail: which local program fetched which credentials, with no secret in it, bounded in size.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AuditLog, type AuditEntry } from '../../src/daemon/audit-log.js';
import { readAudit } from '../../src/daemon/audit-reader.js';
import { silentLogger } from '../../src/platform/logger.js';
import { run } from '../support/cli-harness.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertNoSecrets } from '../support/assert-no-secrets.js';
import { request } from '../support/http-request.js';
import { startHarness, type Harness } from '../support/hardening-harness.js';

const CURL = spawnSync('curl', ['--version']).status === 0;
const MARKER = 'credd-audit-probe';

/**
 * A client like an SDK: one keep-alive connection, kept open after its last answer until the test
 * closes its stdin, so the daemon's lookup of the client process can never lose the race with its exit.
 */
const PROBE = `// ${MARKER}
const http = require('node:http');
const [port, token] = [process.argv[1], process.env.TOKEN];
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const call = (method, path, headers) => new Promise((resolve, reject) => {
  const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent }, (res) => {
    let body = '';
    res.on('data', (d) => (body += d));
    res.on('end', () => resolve({ status: res.statusCode, body }));
  });
  req.on('error', reject);
  req.end();
});
(async () => {
  const out = {};
  out.ecs = (await call('GET', '/v1/credentials', { authorization: token })).status;
  out.noToken = (await call('GET', '/v1/credentials', {})).status;
  out.pinned = (await call('GET', '/v1/credentials/pin1', { authorization: token })).status;
  const imdsToken = (await call('PUT', '/latest/api/token', { 'x-aws-ec2-metadata-token-ttl-seconds': '60' })).body;
  out.imds = (await call('GET', '/latest/meta-data/iam/security-credentials/readonly', { 'x-aws-ec2-metadata-token': imdsToken })).status;
  out.imdsToken = imdsToken;
  process.stdout.write(JSON.stringify(out));
  process.stdin.resume();
  process.stdin.on('end', () => { agent.destroy(); process.exit(0); });
})();`;

describe('audit trail', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h?.close());

  async function entries(): Promise<AuditEntry[]> {
    const r = await h.box.credd(['audit', '--json', '--limit', '1000']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as AuditEntry[];
  }
  async function waitFor(match: (e: AuditEntry[]) => boolean, tries = 20): Promise<AuditEntry[]> {
    for (let i = 0; ; i++) {
      const list = await entries();
      if (match(list) || i >= tries) return list;
      await sleep(250);
    }
  }

  it('records profile, endpoint, status and the requesting process (pid, command line)', { timeout: 120_000 }, async (t) => {
    const child = spawn(process.execPath, ['-e', PROBE, String(h.port)], { env: { ...h.box.env, TOKEN: h.token }, stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise((r) => child.once('exit', r));
    let out = '';
    const printed = new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => (out += d.toString()).endsWith('}') && resolve()));
    const mine = (list: AuditEntry[]) => list.filter((e) => e.pid === child.pid);
    let list: AuditEntry[];
    try {
      await Promise.race([printed, exited]);
      const statuses = JSON.parse(out) as { ecs: number; noToken: number; pinned: number; imds: number; imdsToken: string };
      assert.equal(statuses.ecs, 200);
      assert.equal(statuses.imds, 200);
      list = mine(await waitFor((l) => mine(l).length >= 4, 200));
    } finally {
      child.stdin.end();
      await exited;
    }
    t.diagnostic(`audit entries of pid ${child.pid}: ${JSON.stringify(list.map(({ endpoint, profile, status }) => ({ endpoint, profile, status })))}`);
    for (const e of list) {
      assert.match(e.command, new RegExp(MARKER), 'the command line of the process that asked');
      assert.ok(!Number.isNaN(Date.parse(e.at)));
    }
    const find = (endpoint: string, profile: string, status: number) => list.find((e) => e.endpoint === endpoint && e.profile === profile && e.status === status);
    assert.ok(find('ecs', 'readonly', 200), 'ECS, active profile, 200');
    assert.ok(find('ecs', 'readonly', 401), 'ECS without a token, 401');
    assert.ok(list.find((e) => e.endpoint === 'ecs' && e.profile === 'pin1'), 'ECS, pinned profile');
    assert.ok(find('imds', 'readonly', 200), 'IMDS, 200');
    const human = await h.box.credd(['audit']);
    assert.match(human.stdout, new RegExp(`ecs\\s+200\\s+readonly\\s+pid ${child.pid} \\S*node`));
  });

  it('holds no secrets, and is private to the user', async () => {
    // Its own traffic, so it holds whichever tests ran before it: ECS, IMDS and a refused request.
    const since = new Date().toISOString();
    const imdsToken = (await request({ port: h.port, method: 'PUT', path: '/latest/api/token', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' } })).body;
    const served = [
      await request({ port: h.port, path: '/v1/credentials', headers: { authorization: h.token } }),
      await request({ port: h.port, path: '/v1/credentials/pin1', headers: { authorization: h.token } }),
      await request({ port: h.port, path: '/latest/meta-data/iam/security-credentials/readonly', headers: { 'x-aws-ec2-metadata-token': imdsToken } }),
      await request({ port: h.port, path: '/v1/credentials', headers: { authorization: 'x'.repeat(43) } }),
    ];
    assert.deepEqual(served.map((r) => r.status), [200, 200, 200, 403]);
    await waitFor((l) => l.filter((e) => e.at >= since).length >= 4);
    const file = path.join(h.box.home, 'audit.log');
    const text = (await fs.readFile(file, 'utf8')) + (await fs.readFile(`${file}.1`, 'utf8').catch(() => ''));
    assert.ok(text.split('\n').filter(Boolean).length >= 4);
    assertNoSecrets(text, [h.creds.SecretAccessKey, h.creds.Token, h.alice.secretAccessKey, h.token, imdsToken], 'the audit log');
    assert.doesNotMatch(text, /SecretAccessKey|ASIA|AKIA/);
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
  });

  it('names a one-shot client (curl) too', {
    skip: !CURL && 'curl is not installed',
    timeout: 60_000,
  }, async (t) => {
    const headers = path.join(h.box.home, 'curl-headers');
    await fs.writeFile(headers, `Authorization: ${h.token}\n`, { mode: 0o600 });
    // Warm first: this is about naming the client, not about a cold fetch's fast "try again".
    assert.equal((await h.box.credd(['export', 'pin2'])).code, 0);
    // The lookup runs off the request path; a busy machine can delay it past curl's exit. So
    // curl's second URL (a server of ours) answers only once the audit log has recorded the
    // first: curl lives exactly as long as it takes, and must then be named by its command line.
    let recorded: AuditEntry | undefined;
    const hold = http.createServer((_req, res) => {
      void waitFor((l) => l.some((e) => e.profile === 'pin2'), 200).then((list) => {
        recorded = list.find((e) => e.profile === 'pin2');
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hold.listen(0, '127.0.0.1', r));
    try {
      const holdPort = (hold.address() as { port: number }).port;
      const r = await run('curl', ['-s', '-o', '/dev/null', '-o', '/dev/null', '-w', '%{http_code} ', '-H', `@${headers}`,
        `http://127.0.0.1:${h.port}/v1/credentials/pin2`, `http://127.0.0.1:${holdPort}/`], { env: h.box.env });
      assert.equal(r.stdout, '200 200 ');
    } finally {
      hold.close();
    }
    t.diagnostic(`recorded as ${JSON.stringify(recorded)}`);
    assert.ok(recorded, 'the request was recorded');
    assert.match(recorded.command, /curl/, 'curl is named by its command line');
    assert.equal(typeof recorded.pid, 'number');
  });

  it('keeps the auth token out of recorded command lines', { timeout: 120_000 }, async () => {
    // The client keeps its connection until told to go (stdin closed), once its request is recorded.
    const script = "const h=require('http');h.get({host:'127.0.0.1',port:process.argv[1],path:'/v1/credentials/pin3',headers:{authorization:process.argv[2]},agent:new h.Agent({keepAlive:true})},r=>{r.resume()});process.stdin.resume();process.stdin.on('end',()=>process.exit(0))";
    const child = spawn(process.execPath, ['-e', script, String(h.port), h.token], { stdio: ['pipe', 'ignore', 'ignore'] });
    const exited = new Promise((r) => child.once('exit', r));
    const list = await waitFor((l) => l.some((e) => e.profile === 'pin3'), 200);
    child.stdin.end();
    await exited;
    assert.equal(list.find((e) => e.profile === 'pin3')?.pid, child.pid, 'the client was identified');
    assertNoSecrets(await fs.readFile(path.join(h.box.home, 'audit.log'), 'utf8'), [h.token], 'the audit log');
  });

  it('is bounded: AuditLog rotates at maxBytes and keeps one old file', async (t) => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-audit-'));
    try {
      const file = path.join(dir, 'audit.log');
      let lookups = 0;
      const log = new AuditLog({ file, logger: silentLogger(), maxBytes: 2_000, lookup: async () => ({ pid: 4242, command: `probe ${++lookups}` }) });
      const total = 500;
      for (let i = 0; i < total; i++) {
        log.served({ profile: `p${i}`, endpoint: i % 2 === 0 ? 'ecs' : 'imds', status: 200, socket: { remoteAddress: '127.0.0.1', remotePort: 20_000 + i, localAddress: '127.0.0.1', localPort: 9911 } as unknown as Socket });
        if (i % 50 === 49) await log.flush();
      }
      await log.flush();
      const sizes = await Promise.all([file, `${file}.1`].map(async (f) => (await fs.stat(f)).size));
      const kept = await readAudit(file, 10_000);
      const files = (await fs.readdir(dir)).sort();
      t.diagnostic(`${total} entries with maxBytes 2000 → files ${files.join(', ')} of ${sizes.join(' + ')} bytes, ${kept.length} entries kept, ${lookups} peer lookups`);
      assert.deepEqual(files, ['audit.log', 'audit.log.1']);
      const longest = Math.max(...kept.map((e) => JSON.stringify(e).length + 1));
      for (const size of sizes) assert.ok(size <= 2_000 + longest, `a file of ${size} bytes`);
      assert.ok(kept.length < total / 4, 'old entries are dropped');
      assert.equal(kept.at(-1)?.profile, `p${total - 1}`, 'the newest entry is kept');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
