// Over a real socket with supertest: Host, Authorization and header case go through Node's
// HTTP parser here, which fastify's inject() skips.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import request from 'supertest';
import { silentLogger } from '../../src/platform/logger.js';
import { buildServer } from '../../src/server/build-server.js';
import { FIXED_CREDS, fixedProvider } from '../shared/fixed-provider.js';

const TOKEN = 'A'.repeat(22) + 'b'.repeat(21);
const creds = FIXED_CREDS;

describe('ECS credential endpoint', () => {
  let app: FastifyInstance;
  let p: ReturnType<typeof fixedProvider>;
  let PORT = 0;
  const http = () => request(`http://127.0.0.1:${PORT}`);
  const get = (url: string, headers: Record<string, string> = {}) => http().get(url).set({ host: `127.0.0.1:${PORT}`, authorization: TOKEN, ...headers });

  before(async () => {
    p = fixedProvider();
    app = buildServer({ credentials: p, token: TOKEN, logger: silentLogger(), port: () => PORT });
    await app.listen({ host: '127.0.0.1', port: 0 });
    PORT = (app.server.address() as AddressInfo).port;
  });
  after(() => app?.close());

  it('serves the active profile in the exact wire format', async () => {
    const res = await get('/v1/credentials');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(res.text), {
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
    assert.equal(res.status, 200);
    assert.equal(p.asked.at(-1), 'readonly');
  });

  it('refuses a missing token with 401 and says what to run', async () => {
    const res = await http().get('/v1/credentials').set('host', '127.0.0.1');
    assert.equal(res.status, 401);
    const body = JSON.parse(res.text);
    assert.equal(body.Code, 'MissingToken');
    assert.equal(body.code, 'MissingToken');
    assert.match(body.message, /credd env/);
    assert.equal(body.Message, body.message);
  });

  it('refuses a wrong token, one changed byte, and a Bearer-prefixed token with 403', async () => {
    for (const bad of ['nope', TOKEN.slice(0, -1) + 'c', `Bearer ${TOKEN}`, `${TOKEN}x`, `x${TOKEN}`]) {
      const res = await get('/v1/credentials', { authorization: bad });
      assert.equal(res.status, 403, bad.slice(0, 10));
      assert.equal(JSON.parse(res.text).code, 'InvalidToken');
      assert.doesNotMatch(res.text, /ASIA/);
    }
  });

  it('sees the token as the parser does: whitespace around a header value is not part of it (RFC 9110 §5.5)', async () => {
    // inject() passed `TOKEN ` through verbatim (a 403); over a socket Node strips it, as every server does.
    assert.equal((await get('/v1/credentials', { authorization: `${TOKEN} ` })).status, 200);
    assert.equal((await get('/v1/credentials', { authorization: `${TOKEN}\t` })).status, 200);
  });

  it('does not accept the token in the query string or another header', async () => {
    const q = await http().get(`/v1/credentials?token=${TOKEN}`).set('host', '127.0.0.1');
    assert.equal(q.status, 401);
    const h = await http().get('/v1/credentials').set({ host: '127.0.0.1', 'x-auth-token': TOKEN });
    assert.equal(h.status, 401);
  });

  it('takes header names in any case, as Node\'s parser hands them over', async () => {
    const res = await http().get('/v1/credentials').set({ HOST: `127.0.0.1:${PORT}`, AUTHORIZATION: TOKEN });
    assert.equal(res.status, 200);
    assert.equal((await get('/v1/credentials', { 'SEC-FETCH-MODE': 'cors' })).status, 403, 'browser headers in upper case too');
  });

  it('refuses Host names other than loopback on our port (DNS rebinding)', async () => {
    for (const host of ['evil.example.com', `evil.example.com:${PORT}`, `127.0.0.1:${PORT + 1}`, 'localhost.evil.com', '169.254.170.2']) {
      const res = await get('/v1/credentials', { host });
      assert.equal(res.status, 400, host);
      assert.equal(JSON.parse(res.text).code, 'InvalidHost');
    }
    for (const host of ['localhost', `localhost:${PORT}`, '127.0.0.1', `127.0.0.1:${PORT}`]) {
      assert.equal((await get('/v1/credentials', { host })).status, 200, host);
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
      assert.equal(res.status, 403, name);
      assert.equal(JSON.parse(res.text).code, 'BrowserRequestRefused');
    }
  });

  it('answers unknown paths with 404 and other methods with 405', async () => {
    const nf = await get('/nothing/here');
    assert.equal(nf.status, 404);
    assert.equal(JSON.parse(nf.text).code, 'NotFound');
    for (const method of ['post', 'put', 'delete', 'patch'] as const) {
      const res = await http()[method]('/v1/credentials').set({ host: '127.0.0.1', authorization: TOKEN });
      assert.equal(res.status, 405, method);
      assert.equal(res.headers['allow'], 'GET, HEAD');
    }
  });

  it('turns a need for action into a fast 409 with the command to run, STS failures into 424', async () => {
    const mfa = await get('/v1/credentials/needs-mfa');
    assert.equal(mfa.status, 409);
    assert.equal(JSON.parse(mfa.text).Code, 'MfaRequired');
    assert.match(JSON.parse(mfa.text).Message, /credd switch needs-mfa/);
    const denied = await get('/v1/credentials/denied');
    assert.equal(denied.status, 424);
    assert.equal(JSON.parse(denied.text).code, 'StsAccessDenied');
  });

  it('rejects malformed profile names in the path', async () => {
    const res = await get('/v1/credentials/..%2F..%2Fetc');
    assert.equal(res.status, 400);
    assert.equal(JSON.parse(res.text).code, 'InvalidProfileName');
  });
});
