/**
 * Proxy support for every AWS call: the real SDK STS client through a real CONNECT proxy to
 * the STS emulator (which verifies SigV4), over plain http and over TLS with a private CA
 * given by NODE_EXTRA_CA_CERTS, as behind a corporate TLS-inspecting proxy.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { proxiedFetch } from '../../src/aws/proxied-fetch.js';
import { proxyFor } from '../../src/aws/proxy-route.js';
import { SdkStsGateway } from '../../src/aws/sdk-sts-gateway.js';
import { ROOT, cleanEnv, run } from '../support/cli-harness.js';
import { startConnectProxy, type ConnectProxy } from '../support/connect-proxy.js';
import { startStsEmulator, type EmulatedUser, type StsEmulator } from '../support/sts-emulator.js';

describe('AWS calls through an HTTP proxy', () => {
  let sts: StsEmulator;
  let alice: EmulatedUser;
  let proxy: ConnectProxy;
  let authProxy: ConnectProxy;
  const sessionToken = (env: NodeJS.ProcessEnv, endpoint = sts.url) =>
    new SdkStsGateway({ env, requestTimeoutMs: 5_000 }).getSessionToken({ key: { accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey }, region: 'eu-west-1', endpoint });

  before(async () => {
    sts = await startStsEmulator();
    alice = sts.createUser({ userName: 'alice' });
    proxy = await startConnectProxy();
    authProxy = await startConnectProxy({ auth: 'alice:p@ss word' });
  });
  after(async () => {
    await Promise.all([sts.close(), proxy.close(), authProxy.close()]);
  });

  it('HTTP_PROXY carries STS calls through a CONNECT tunnel (loopback only when asked)', async () => {
    const c = await sessionToken({ HTTP_PROXY: proxy.url, CREDD_PROXY_LOOPBACK: '1' });
    assert.match(c.accessKeyId, /^ASIA/);
    assert.deepEqual(proxy.targets, [`127.0.0.1:${sts.port}`]);
  });

  it('loopback is never proxied unless asked, and NO_PROXY is respected', async () => {
    proxy.targets.length = 0;
    await sessionToken({ HTTP_PROXY: proxy.url, http_proxy: proxy.url });
    await sessionToken({ HTTP_PROXY: proxy.url, CREDD_PROXY_LOOPBACK: '1', NO_PROXY: 'example.com, 127.0.0.0/8' });
    await sessionToken({ http_proxy: proxy.url, CREDD_PROXY_LOOPBACK: '1', no_proxy: `127.0.0.1:${sts.port}` });
    assert.deepEqual(proxy.targets, [], 'the proxy saw nothing');
    await sessionToken({ HTTP_PROXY: proxy.url, CREDD_PROXY_LOOPBACK: '1', NO_PROXY: '127.0.0.1:1' });
    assert.deepEqual(proxy.targets, [`127.0.0.1:${sts.port}`], 'a NO_PROXY entry for another port does not match');
  });

  it('proxy credentials from the URL are sent; a refusal is one clear error without the password', async () => {
    const ok = await sessionToken({ HTTP_PROXY: `http://alice:p%40ss%20word@127.0.0.1:${authProxy.port}`, CREDD_PROXY_LOOPBACK: '1' });
    assert.match(ok.accessKeyId, /^ASIA/);
    await assert.rejects(sessionToken({ HTTP_PROXY: `http://alice:wrong-secret@127.0.0.1:${authProxy.port}`, CREDD_PROXY_LOOPBACK: '1' }), (err: Error) => {
      assert.match(err.message, new RegExp(`proxy 127\\.0\\.0\\.1:${authProxy.port} did not open a tunnel to 127\\.0\\.0\\.1:${sts.port}: it answered "HTTP/1\\.1 407`));
      assert.ok(!err.message.includes('wrong-secret'));
      return true;
    });
  });

  it('the console federation call (getSigninToken) goes through the proxy too', async () => {
    const role = sts.createRole({ roleName: 'ReadOnly', trustedPrincipals: [alice.arn] });
    const c = sts.issueRoleSession(role.arn, 'credd-alice');
    const session = JSON.stringify({ sessionId: c.accessKeyId, sessionKey: c.secretAccessKey, sessionToken: c.sessionToken });
    proxy.targets.length = 0;
    const res = await proxiedFetch({ HTTP_PROXY: proxy.url, CREDD_PROXY_LOOPBACK: '1' })(`${sts.federationUrl}?Action=getSigninToken&Session=${encodeURIComponent(session)}`, { signal: AbortSignal.timeout(5_000) });
    assert.equal(res.status, 200, await res.clone().text());
    assert.ok(((await res.json()) as { SigninToken?: string }).SigninToken);
    assert.deepEqual(proxy.targets, [`127.0.0.1:${sts.port}`]);
  });

  it('proxyFor: scheme, spelling, wildcards, subdomains and IPv6 loopback', () => {
    const env = { HTTPS_PROXY: 'proxy.corp:3128', no_proxy: '.internal,*.corp.example,amazonaws.cn' };
    assert.equal(proxyFor('https:', 'sts.eu-west-1.amazonaws.com', 443, env)?.href, 'http://proxy.corp:3128/');
    assert.equal(proxyFor('http:', 'sts.eu-west-1.amazonaws.com', 80, env), undefined, 'HTTPS_PROXY is for https only');
    for (const host of ['a.internal', 'internal', 'sso.corp.example', 'sts.cn-north-1.amazonaws.cn', '[::1]', 'localhost']) assert.equal(proxyFor('https:', host, 443, env), undefined, host);
    assert.equal(proxyFor('https:', 'x', 443, { HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:2' })?.host, 'lower:2');
    assert.equal(proxyFor('https:', 'x', 443, { HTTPS_PROXY: 'http://p:1', NO_PROXY: '*' }), undefined);
    assert.throws(() => proxyFor('https:', 'x', 443, { HTTPS_PROXY: 'socks5://p:1' }), /HTTPS_PROXY is not an http:\/\/ or https:\/\/ proxy URL/);
  });

  it('https through the tunnel, trusting a private CA from NODE_EXTRA_CA_CERTS', { skip: spawnSync('openssl', ['version']).status === 0 ? false : 'openssl is not installed' }, async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-tls-'));
    try {
      const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
      const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1']);
      assert.equal(gen.status, 0, gen.stderr.toString());
      // TLS in front of the emulator, as an https endpoint signed by a private CA.
      const front = tls.createServer({ key: await fs.readFile(key), cert: await fs.readFile(cert) }, (s) => {
        const up = net.connect(sts.port, '127.0.0.1');
        s.pipe(up).pipe(s);
        up.on('error', () => s.destroy());
        s.on('error', () => up.destroy());
      });
      await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
      const port = (front.address() as net.AddressInfo).port;
      const script = `import { SdkStsGateway } from ${JSON.stringify(path.join(ROOT, 'dist', 'aws', 'sdk-sts-gateway.js'))};
        const c = await new SdkStsGateway({ requestTimeoutMs: 5000 }).getSessionToken({ key: { accessKeyId: process.env.KEY_ID, secretAccessKey: process.env.KEY_SECRET }, region: 'eu-west-1', endpoint: 'https://localhost:${port}' });
        console.log(c.accessKeyId.slice(0, 4));`;
      const env = cleanEnv({ KEY_ID: alice.accessKeyId, KEY_SECRET: alice.secretAccessKey, HTTPS_PROXY: proxy.url, CREDD_PROXY_LOOPBACK: '1' });
      proxy.targets.length = 0;
      const trusted = await run(process.execPath, ['--input-type=module', '-e', script], { env: { ...env, NODE_EXTRA_CA_CERTS: cert } });
      assert.equal(trusted.code, 0, trusted.stderr);
      assert.equal(trusted.stdout.trim(), 'ASIA');
      assert.deepEqual(proxy.targets, [`localhost:${port}`]);
      const untrusted = await run(process.execPath, ['--input-type=module', '-e', script], { env });
      assert.notEqual(untrusted.code, 0, 'without the CA the certificate is refused (control)');
      assert.match(untrusted.stderr, /self[- ]signed|certificate/i);
      await new Promise((r) => front.close(r));
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
