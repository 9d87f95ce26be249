// Over a real socket with supertest: the token and TTL headers, Host, `//` paths and header
// case go through Node's HTTP parser here, which fastify's inject() skips. The clock is fake.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import request from 'supertest';
import { silentLogger } from '../../src/platform/logger.js';
import { buildServer } from '../../src/server/build-server.js';
import { FIXED_CREDS, fixedProvider } from '../shared/fixed-provider.js';

const open: FastifyInstance[] = [];
after(() => Promise.all(open.map((app) => app.close())));

async function imds(opts: { allowV1?: boolean; active?: string | null } = {}) {
  let now = Date.parse('2026-11-25T20:00:00Z');
  let port = 0;
  const provider = fixedProvider(opts.active === undefined ? 'readonly' : opts.active);
  const app = buildServer({
    credentials: provider,
    token: 'x'.repeat(43),
    logger: silentLogger(),
    port: () => port,
    imds: { allowV1: opts.allowV1 ?? false },
    now: () => now,
  });
  open.push(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as AddressInfo).port;
  const http = () => request(`http://127.0.0.1:${port}`);
  const put = (ttl: string | undefined, headers: Record<string, string> = {}) =>
    http().put('/latest/api/token').set({ ...(ttl !== undefined && { 'x-aws-ec2-metadata-token-ttl-seconds': ttl }), ...headers });
  const token = async (ttl = '21600') => (await put(ttl)).text;
  const get = (url: string, tok?: string, headers: Record<string, string> = {}) =>
    http().get(url).set({ ...(tok !== undefined && { 'x-aws-ec2-metadata-token': tok }), ...headers });
  return { http, put, token, get, provider, port, tick: (ms: number) => (now += ms) };
}

describe('IMDSv2 emulation', () => {
  it('issues a token for a TTL of 1–21600 s, echoing the TTL header, with no newline', async () => {
    const { put } = await imds();
    for (const ttl of ['1', '300', '21600']) {
      const res = await put(ttl);
      assert.equal(res.status, 200, ttl);
      assert.equal(res.headers['x-aws-ec2-metadata-token-ttl-seconds'], ttl);
      assert.match(res.text, /^[A-Za-z0-9_-]{43}$/);
    }
    const a = await put('300');
    const b = await put('300');
    assert.notEqual(a.text, b.text, 'tokens are random');
  });

  it('refuses a TTL out of range or missing with 400', async () => {
    const { put } = await imds();
    for (const ttl of ['0', '21601', '-5', 'abc', '', '1e3', undefined]) {
      assert.equal((await put(ttl)).status, 400, String(ttl));
    }
  });

  it('refuses a token request that carries X-Forwarded-For', async () => {
    const { put } = await imds();
    assert.equal((await put('300', { 'x-forwarded-for': '10.0.0.1' })).status, 403);
  });

  it('answers GETs only with a valid, unexpired token (v1 off by default)', async () => {
    const { get, token, tick } = await imds();
    assert.equal((await get('/latest/meta-data/iam/security-credentials/')).status, 401);
    assert.equal((await get('/latest/meta-data/iam/security-credentials/', 'forged-token')).status, 401);
    const t = await token('2');
    assert.equal((await get('/latest/meta-data/iam/security-credentials/', t)).status, 200);
    tick(2_001);
    assert.equal((await get('/latest/meta-data/iam/security-credentials/', t)).status, 401, 'the token expired');
  });

  it('serves without a token only when IMDSv1 is turned on', async () => {
    const { get } = await imds({ allowV1: true });
    const res = await get('/latest/meta-data/iam/security-credentials/');
    assert.equal(res.status, 200);
    assert.equal(res.text, 'readonly');
  });

  it('lists the active profile as the role and serves its credentials in the EC2 shape', async () => {
    const { get, token } = await imds();
    const t = await token();
    for (const path of ['/latest/meta-data/iam/security-credentials/', '/latest/meta-data/iam/security-credentials', '//latest//meta-data/iam/security-credentials/']) {
      const res = await get(path, t);
      assert.equal(res.status, 200, path);
      assert.equal(res.text, 'readonly', 'the bare name, no trailing newline');
    }
    for (const path of ['/latest/meta-data/iam/security-credentials/readonly', '/latest/meta-data/iam/security-credentials/readonly/', '//latest/meta-data/iam/security-credentials/readonly']) {
      const res = await get(path, t);
      assert.equal(res.status, 200, path);
      const body = JSON.parse(res.text);
      assert.equal(body.Code, 'Success');
      assert.equal(body.Type, 'AWS-HMAC');
      assert.match(body.LastUpdated, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.equal(body.AccessKeyId, FIXED_CREDS.accessKeyId);
      assert.equal(body.SecretAccessKey, FIXED_CREDS.secretAccessKey);
      assert.equal(body.Token, FIXED_CREDS.sessionToken);
      assert.equal(body.Expiration, '2026-11-25T21:30:00Z');
      assert.equal(body.AccountId, undefined);
    }
  });

  it('serves the extended credentials path (with AccountId) and 404s other role names', async () => {
    const { get, token } = await imds();
    const t = await token();
    assert.equal((await get('/latest/meta-data/iam/security-credentials-extended/', t)).text, 'readonly');
    const ext = await get('/latest/meta-data/iam/security-credentials-extended/readonly', t);
    assert.equal(ext.status, 200);
    assert.equal(JSON.parse(ext.text).AccountId, '123456789012');
    assert.equal((await get('/latest/meta-data/iam/security-credentials/admin', t)).status, 404);
    assert.equal((await get('/latest/meta-data/iam/security-credentials-extended/admin', t)).status, 404);
  });

  it('404s the role listing when no profile is active, like an instance without a role', async () => {
    const { get, token } = await imds({ active: null });
    const t = await token();
    assert.equal((await get('/latest/meta-data/iam/security-credentials/', t)).status, 404);
    assert.equal((await get('/latest/meta-data/iam/info', t)).status, 404);
  });

  it('answers region discovery and the usual probes; unknown paths 404', async () => {
    const { get, token } = await imds();
    const t = await token();
    assert.equal((await get('/latest/meta-data/placement/availability-zone', t)).text, 'eu-west-1a');
    assert.equal((await get('/latest/meta-data/placement/region', t)).text, 'eu-west-1');
    const doc = JSON.parse((await get('/latest/dynamic/instance-identity/document', t)).text);
    assert.equal(doc.region, 'eu-west-1');
    assert.equal(doc.availabilityZone, 'eu-west-1a');
    assert.equal(doc.accountId, '123456789012');
    assert.match(doc.instanceId, /^i-[0-9a-f]{17}$/);
    assert.match((await get('/latest/meta-data/instance-id', t)).text, /^i-/);
    const info = JSON.parse((await get('/latest/meta-data/iam/info', t)).text);
    assert.equal(info.Code, 'Success');
    assert.match(info.InstanceProfileArn, /^arn:aws:iam::123456789012:instance-profile\/readonly$/);
    assert.equal((await get('/latest/meta-data/services/partition', t)).text, 'aws');
    assert.equal((await get('/latest/meta-data/nonexistent', t)).status, 404);
    assert.equal((await get('/latest/user-data', t)).status, 404);
  });

  it('applies the Host and browser-header checks to IMDS too', async () => {
    const { get, token } = await imds();
    const t = await token();
    assert.equal((await get('/latest/meta-data/iam/security-credentials/readonly', t, { host: 'attacker.example' })).status, 400);
    assert.equal((await get('/latest/meta-data/iam/security-credentials/readonly', t, { origin: 'http://x' })).status, 403);
    const upper = await get('/latest/meta-data/iam/security-credentials/readonly', undefined, { 'X-AWS-EC2-METADATA-TOKEN': t });
    assert.equal(upper.status, 200, 'the token header in any case');
  });

  it('refuses GET on the token path and writes on metadata paths', async () => {
    const { http, get, token } = await imds();
    assert.equal((await get('/latest/api/token')).status, 405);
    const t = await token();
    const res = await http().post('/latest/meta-data/').set('x-aws-ec2-metadata-token', t);
    assert.equal(res.status, 405);
  });
});
