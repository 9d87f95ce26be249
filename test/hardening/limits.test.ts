// Issue 13 item 9: stateless IMDS tokens (a flood of PUTs evicts nobody), proxied token PUTs
// refused whatever header the proxy used, a cap on open connections, `console --open` keeps
// the SigninToken out of argv, new file stores pay scrypt N=2^17 and old ones still open.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EncryptedFileStore } from '../../src/keychain/encrypted-file-store.js';
import { silentLogger } from '../../src/platform/logger.js';
import { buildServer } from '../../src/server/build-server.js';
import { fixedProvider } from '../shared/fixed-provider.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { startHarness, type Harness } from '../support/hardening-harness.js';

const PORT = 9911;
const HOST = `127.0.0.1:${PORT}`;
const TTL = 'x-aws-ec2-metadata-token-ttl-seconds';

function server(extra: { maxConnections?: number } = {}) {
  return buildServer({ credentials: fixedProvider('readonly'), token: 'x'.repeat(43), logger: silentLogger(), port: () => PORT, ...extra });
}

describe('IMDS session tokens', () => {
  it('a flood of 12 000 PUTs does not evict a token issued before it', async () => {
    const app = server();
    const put = (headers: Record<string, string> = {}) => app.inject({ method: 'PUT', url: '/latest/api/token', headers: { host: HOST, [TTL]: '21600', ...headers } });
    const mine = (await put()).body;
    for (let i = 0; i < 12_000; i++) await put();
    const r = await app.inject({ method: 'GET', url: '/latest/meta-data/iam/security-credentials/readonly', headers: { host: HOST, 'x-aws-ec2-metadata-token': mine } });
    assert.equal(r.statusCode, 200, r.body);
  });

  it('a token PUT carrying Forwarded, Via or X-Forwarded-For is refused (403)', async () => {
    const app = server();
    for (const [k, v] of [['forwarded', 'for=10.0.0.1'], ['via', '1.1 proxy'], ['x-forwarded-for', '10.0.0.1']] as const) {
      const r = await app.inject({ method: 'PUT', url: '/latest/api/token', headers: { host: HOST, [TTL]: '300', [k]: v } });
      assert.equal(r.statusCode, 403, k);
    }
  });

  it('a forged or altered token is refused', async () => {
    const app = server();
    const good = (await app.inject({ method: 'PUT', url: '/latest/api/token', headers: { host: HOST, [TTL]: '300' } })).body;
    const flipped = good.slice(0, 10) + (good[10] === 'A' ? 'B' : 'A') + good.slice(11);
    const r = await app.inject({ method: 'GET', url: '/latest/meta-data/iam/security-credentials/readonly', headers: { host: HOST, 'x-aws-ec2-metadata-token': flipped } });
    assert.equal(r.statusCode, 401);
  });
});

describe('open connections are capped', () => {
  it('4096 by default; beyond the cap new connections are closed at once', async () => {
    assert.equal(server().server.maxConnections, 4096);
    const app = server({ maxConnections: 8 });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as net.AddressInfo).port;
    const sockets: net.Socket[] = [];
    let closed = 0;
    try {
      for (let i = 0; i < 20; i++) {
        const s = net.connect(port, '127.0.0.1');
        s.on('error', () => undefined);
        s.on('close', () => closed++);
        sockets.push(s);
      }
      const deadline = Date.now() + 5_000;
      while (closed < 12 && Date.now() < deadline) await sleep(20);
      assert.equal(closed, 12, `${closed} of 20 connections closed`);
    } finally {
      sockets.forEach((s) => s.destroy());
      await app.close();
    }
  });
});

describe('credd console --open', () => {
  let h: Harness;
  let bin: string;
  before(async () => {
    h = await startHarness();
    bin = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-opener-'));
    await fs.writeFile(path.join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s\\n' "$@" > "${bin}/argv"\n`, { mode: 0o755 });
  });
  after(async () => {
    await h?.close();
    await fs.rm(bin, { recursive: true, force: true });
  });

  it('gives the browser a 0600 file:// page, never the SigninToken as an argument', async () => {
    const r = await h.box.credd(['console', 'readonly', '--open'], { env: { CREDD_FEDERATION_ENDPOINT: h.sts.federationUrl, PATH: `${bin}:${process.env['PATH'] ?? ''}` } });
    assert.equal(r.code, 0, r.stderr);
    const deadline = Date.now() + 5_000;
    let argv = '';
    while (argv === '' && Date.now() < deadline) {
      argv = await fs.readFile(path.join(bin, 'argv'), 'utf8').catch(() => '');
      await sleep(50);
    }
    assert.doesNotMatch(argv, /SigninToken/);
    assert.match(argv, /^file:\/\//);
    const page = fileURLToPath(argv.trim());
    assert.equal((await fs.stat(page)).mode & 0o777, 0o600);
    assert.match(await fs.readFile(page, 'utf8'), /Action=login&amp;.*SigninToken=/);
  });
});

describe('encrypted file store cost', () => {
  it('a new store uses scrypt N=2^17; a store made with N=2^15 still opens', { timeout: 60_000 }, async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-scrypt-'));
    try {
      const passphrase = async () => 'correct horse battery staple';
      const fresh = new EncryptedFileStore({ dir: path.join(dir, 'new'), passphrase });
      await fresh.set('key:a', 'value-a');
      const made = JSON.parse(await fs.readFile(path.join(dir, 'new', 'store.json'), 'utf8')) as { N: number };
      assert.equal(made.N, 2 ** 17);
      const old = new EncryptedFileStore({ dir: path.join(dir, 'old'), passphrase, scrypt: { N: 2 ** 15, r: 8, p: 1 } });
      await old.set('key:b', 'value-b');
      const reopened = new EncryptedFileStore({ dir: path.join(dir, 'old'), passphrase });
      assert.equal(await reopened.get('key:b'), 'value-b');
      assert.equal((JSON.parse(await fs.readFile(path.join(dir, 'old', 'store.json'), 'utf8')) as { N: number }).N, 2 ** 15);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
