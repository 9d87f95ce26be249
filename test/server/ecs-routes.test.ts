import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { silentLogger } from '../../src/platform/logger.js';
import { buildServer } from '../../src/server/build-server.js';
import { FIXED_CREDS, fixedProvider } from '../shared/fixed-provider.js';

const TOKEN = 'A'.repeat(22) + 'b'.repeat(21);
const PORT = 9911;
const creds = FIXED_CREDS;

describe('ECS credential endpoint', () => {
  let app: FastifyInstance;
  let p: ReturnType<typeof fixedProvider>;
  const get = (url: string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'GET', url, headers: { host: `127.0.0.1:${PORT}`, authorization: TOKEN, ...headers } });

  before(async () => {
    p = fixedProvider();
    app = buildServer({ credentials: p, token: TOKEN, logger: silentLogger(), port: () => PORT });
    await app.ready();
  });
  after(() => app?.close());

  it('serves the active profile in the exact wire format', async () => {
    const res = await get('/v1/credentials');
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.deepEqual(res.json(), {
      AccessKeyId: creds.accessKeyId,
      SecretAccessKey: creds.secretAccessKey,
      Token: creds.sessionToken,
      Expiration: '2026-11-25T21:30:00Z',
      AccountId: '123456789012',
    });
    assert.equal(p.asked.at(-1), undefined);
  });

  it('serves a pinned profile by path', async () => {
    const res = await get('/v1/credentials/readonly');
    assert.equal(res.statusCode, 200);
    assert.equal(p.asked.at(-1), 'readonly');
  });

  it('refuses a missing token with 401 and says what to run', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/credentials', headers: { host: '127.0.0.1' } });
    assert.equal(res.statusCode, 401);
    const body = res.json();
    assert.equal(body.Code, 'MissingToken');
    assert.equal(body.code, 'MissingToken');
    assert.match(body.message, /credd env/);
    assert.equal(body.Message, body.message);
  });

  it('refuses a wrong token, one changed byte, and a Bearer-prefixed token with 403', async () => {
    for (const bad of ['nope', TOKEN.slice(0, -1) + 'c', `Bearer ${TOKEN}`, `${TOKEN} `]) {
      const res = await get('/v1/credentials', { authorization: bad });
      assert.equal(res.statusCode, 403, bad.slice(0, 10));
      assert.equal(res.json().code, 'InvalidToken');
      assert.doesNotMatch(res.body, /ASIA/);
    }
  });

  it('does not accept the token in the query string or another header', async () => {
    const q = await app.inject({ method: 'GET', url: `/v1/credentials?token=${TOKEN}`, headers: { host: '127.0.0.1' } });
    assert.equal(q.statusCode, 401);
    const h = await app.inject({ method: 'GET', url: '/v1/credentials', headers: { host: '127.0.0.1', 'x-auth-token': TOKEN } });
    assert.equal(h.statusCode, 401);
  });

  it('refuses Host names other than loopback on our port (DNS rebinding)', async () => {
    for (const host of ['evil.example.com', `evil.example.com:${PORT}`, `127.0.0.1:${PORT + 1}`, 'localhost.evil.com', '169.254.170.2']) {
      const res = await get('/v1/credentials', { host });
      assert.equal(res.statusCode, 400, host);
      assert.equal(res.json().code, 'InvalidHost');
    }
    for (const host of ['localhost', `localhost:${PORT}`, '127.0.0.1', `127.0.0.1:${PORT}`]) {
      assert.equal((await get('/v1/credentials', { host })).statusCode, 200, host);
    }
  });

  it('refuses requests carrying browser headers', async () => {
    for (const [name, value] of [
      ['origin', 'http://evil.example.com'],
      ['referer', 'http://evil.example.com/'],
      ['sec-fetch-site', 'cross-site'],
      ['sec-fetch-mode', 'no-cors'],
      ['sec-fetch-dest', 'empty'],
    ] as const) {
      const res = await get('/v1/credentials', { [name]: value });
      assert.equal(res.statusCode, 403, name);
      assert.equal(res.json().code, 'BrowserRequestRefused');
    }
  });

  it('answers unknown paths with 404 and other methods with 405', async () => {
    const nf = await get('/nothing/here');
    assert.equal(nf.statusCode, 404);
    assert.equal(nf.json().code, 'NotFound');
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH'] as const) {
      const res = await app.inject({ method, url: '/v1/credentials', headers: { host: '127.0.0.1', authorization: TOKEN } });
      assert.equal(res.statusCode, 405, method);
    }
  });

  it('turns a need for action into a fast 409 with the command to run, STS failures into 424', async () => {
    const mfa = await get('/v1/credentials/needs-mfa');
    assert.equal(mfa.statusCode, 409);
    assert.equal(mfa.json().Code, 'MfaRequired');
    assert.match(mfa.json().Message, /credd switch needs-mfa/);
    const denied = await get('/v1/credentials/denied');
    assert.equal(denied.statusCode, 424);
    assert.equal(denied.json().code, 'StsAccessDenied');
  });

  it('rejects malformed profile names in the path', async () => {
    const res = await get('/v1/credentials/..%2F..%2Fetc');
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, 'InvalidProfileName');
  });
});
