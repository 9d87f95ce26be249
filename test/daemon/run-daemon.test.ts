// runDaemon in this process: a start that fails half-way (the port is taken) undoes what it had
// done, so the next start on the same state dir works; a stop removes what the daemon wrote.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runDaemon } from '../../src/daemon/run-daemon.js';
import { createLogger } from '../../src/platform/logger.js';

describe('runDaemon lifecycle', () => {
  let dir = '';
  before(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-run-'))));
  after(() => (dir ? fs.rm(dir, { recursive: true, force: true }) : undefined));

  const exists = (f: string) => fs.stat(f).then(() => true, () => false);

  it('a failed start leaves no lock, socket or daemon.json behind; the next start serves and stop cleans up', async () => {
    const home = path.join(dir, 'home');
    await fs.writeFile(path.join(dir, 'config'), '');
    // No keychain needed: the encrypted file store stays locked until someone asks for a secret.
    const env: NodeJS.ProcessEnv = { CREDD_HOME: home, CREDD_STORE: 'file', AWS_CONFIG_FILE: path.join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'credentials'), HOME: dir, PATH: process.env['PATH'] ?? '' };
    const logger = createLogger({ level: 'silent' });
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const takenPort = (taken.address() as net.AddressInfo).port;
    try {
      await assert.rejects(runDaemon({ port: takenPort, env, logger }), (err: Error) => err.message.includes(String(takenPort)));
    } finally {
      taken.close();
    }
    for (const f of ['daemon.pid', 'control.sock', 'daemon.json']) assert.equal(await exists(path.join(home, f)), false, `${f} is gone after the failed start`);

    const daemon = await runDaemon({ port: 0, env, logger });
    try {
      assert.ok(daemon.port > 0);
      const info = JSON.parse(await fs.readFile(path.join(home, 'daemon.json'), 'utf8')) as { port: number; pid: number };
      assert.deepEqual({ port: info.port, pid: info.pid }, { port: daemon.port, pid: process.pid });
      assert.equal(await exists(path.join(home, 'control.sock')), true);
    } finally {
      await Promise.all([daemon.stop(), daemon.stop()]);
    }
    await daemon.done;
    for (const f of ['daemon.pid', 'control.sock', 'daemon.json']) assert.equal(await exists(path.join(home, f)), false, `${f} is gone after stop`);
  });
});
