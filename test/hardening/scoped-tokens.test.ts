// Issue 13 item 2 and the IAM-user rule of item 1: a token from `credd exec P` or `credd env P`
// opens only P's URL (the real aws CLI in the child still works); the global token follows
// switch; `credd token rotate` retires every old token; a plain IAM user's session is not
// served over HTTP unless its profile says credd_serve_session = true.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from '../support/http-request.js';
import { startHarness, type Harness } from '../support/hardening-harness.js';

const TTL = 'x-aws-ec2-metadata-token-ttl-seconds';

/** `export K='V'` lines (as credd env prints them) → { K: V }. */
function exported(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(/^export (\w+)='([^']*)'$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']));
}

describe('scoped tokens', () => {
  let h: Harness;
  const get = (p: string, token: string) => request({ port: h.port, path: p, headers: { authorization: token } });

  before(async () => {
    h = await startHarness();
  });
  after(async () => h?.close());

  it('credd env P: its token gets 200 only on P\'s URL, 403 on another profile and on the global URL', async () => {
    const r = await h.box.credd(['env', 'readonly']);
    assert.equal(r.code, 0, r.stderr);
    const vars = exported(r.stdout);
    const token = vars['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '';
    assert.notEqual(token, h.token, 'a pinned shell must not get the daemon token');
    assert.equal(vars['AWS_CONTAINER_CREDENTIALS_FULL_URI'], `http://127.0.0.1:${h.port}/v1/credentials/readonly`);
    assert.equal((await get('/v1/credentials/readonly', token)).status, 200);
    for (const p of ['/v1/credentials/admin', '/v1/credentials', '/v1/credentials/pin1']) {
      const denied = await get(p, token);
      assert.equal(denied.status, 403, `${p}: ${denied.body}`);
      assert.doesNotMatch(denied.body, /ASIA/);
    }
  });

  it('credd exec P: the child\'s token opens only P, the real aws CLI in the child works, no CREDD_FILE_PASSPHRASE reaches it', async () => {
    const env = { CREDD_FILE_PASSPHRASE: 'hunter2-passphrase-must-not-leak' };
    const r = await h.box.credd(['exec', 'readonly', '--', 'env'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /CREDD_FILE_PASSPHRASE|hunter2-passphrase/);
    const child = Object.fromEntries(r.stdout.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    const token = child['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '';
    assert.notEqual(token, h.token);
    assert.equal((await get('/v1/credentials/readonly', token)).status, 200);
    assert.equal((await get('/v1/credentials/admin', token)).status, 403);
    assert.equal((await get('/v1/credentials', token)).status, 403);
    const who = await h.box.credd(['exec', 'readonly', '--', 'aws', 'sts', 'get-caller-identity', '--region', 'us-east-1', '--output', 'text', '--query', 'Arn']);
    assert.equal(who.code, 0, who.stderr);
    assert.match(who.stdout, /assumed-role\/ReadOnly\//);
  });

  it('the global token follows switch and still opens every profile', async () => {
    assert.equal((await get('/v1/credentials', h.token)).status, 200);
    assert.equal((await get('/v1/credentials/admin', h.token)).status, 200);
    const sw = await h.box.credd(['switch', 'admin']);
    assert.equal(sw.code, 0, sw.stderr);
    const key = async (p: string): Promise<string> => (JSON.parse((await get(p, h.token)).body) as { AccessKeyId: string }).AccessKeyId;
    assert.equal(await key('/v1/credentials'), await key('/v1/credentials/admin'));
    assert.notEqual(await key('/v1/credentials'), await key('/v1/credentials/readonly'));
    await h.box.credd(['switch', 'readonly']);
  });

  it('a scoped token survives a daemon restart', async () => {
    const token = exported((await h.box.credd(['env', 'readonly'])).stdout)['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '';
    await h.restart();
    // A cold cache answers 429 (Pending) while STS is asked; the token itself must never get 403.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const r = await get('/v1/credentials/readonly', token);
      if (r.status === 200) break;
      assert.equal(r.status, 429, r.body);
      assert.ok(Date.now() < deadline, 'still pending after 15 s');
      await sleep(200);
    }
  });

  it('credd token rotate: old global and scoped tokens get 403, new ones 200', async () => {
    const oldScoped = exported((await h.box.credd(['env', 'readonly'])).stdout)['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '';
    const r = await h.box.credd(['token', 'rotate']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /eval "\$\(credd env\)"/);
    const fresh = (await fs.readFile(path.join(h.box.home, 'token'), 'utf8')).trim();
    assert.notEqual(fresh, h.token);
    assert.equal((await get('/v1/credentials', h.token)).status, 403);
    assert.equal((await get('/v1/credentials/readonly', oldScoped)).status, 403);
    assert.equal((await get('/v1/credentials', fresh)).status, 200);
    const newScoped = exported((await h.box.credd(['env', 'readonly'])).stdout)['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '';
    assert.equal((await get('/v1/credentials/readonly', newScoped)).status, 200);
    h.token = fresh;
  });
});

describe('a plain IAM user\'s session is not served over HTTP unless its profile allows it', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ switchTo: false });
  });
  after(async () => h?.close());

  it('ECS and IMDS refuse it with a 4xx naming credd_serve_session; after setting it, 200', async () => {
    const ecs = await request({ port: h.port, path: '/v1/credentials/base', headers: { authorization: h.token } });
    assert.equal(ecs.status, 409, ecs.body);
    assert.match(ecs.body, /credd_serve_session = true/);
    assert.doesNotMatch(ecs.body, /ASIA/);
    const sw = await h.box.credd(['switch', 'base']);
    assert.equal(sw.code, 0, sw.stderr);
    const imds = (await request({ port: h.port, method: 'PUT', path: '/latest/api/token', headers: { [TTL]: '600' } })).body;
    const viaImds = await request({ port: h.port, path: '/latest/meta-data/iam/security-credentials/base', headers: { 'x-aws-ec2-metadata-token': imds } });
    assert.equal(viaImds.status, 409, viaImds.body);
    assert.doesNotMatch(viaImds.body, /ASIA/);

    const config = await fs.readFile(h.box.configFile, 'utf8');
    await fs.writeFile(h.box.configFile, config.replace('[profile base]\n', '[profile base]\ncredd_serve_session = true\n'));
    const deadline = Date.now() + 10_000;
    for (;;) {
      const r = await request({ port: h.port, path: '/v1/credentials/base', headers: { authorization: h.token } });
      if (r.status === 200) break;
      assert.ok(Date.now() < deadline, `still ${r.status}: ${r.body}`);
      await sleep(200);
    }
  });
});
