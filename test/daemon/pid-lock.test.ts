// One daemon per state dir: the pid lock is exclusive, a stale one is taken over, a live
// owner answering on the control socket is not, and release removes only our own file.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { acquirePidLock } from '../../src/daemon/pid-lock.js';

describe('acquirePidLock', () => {
  let dir = '';
  before(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-pid-'))));
  after(() => (dir ? fs.rm(dir, { recursive: true, force: true }) : undefined));
  const files = (name: string) => ({ pid: path.join(dir, name, 'daemon.pid'), sock: path.join(dir, name, 'control.sock') });

  it('takes the lock (0600, our pid) and releases it', async () => {
    const f = files('a');
    await fs.mkdir(path.dirname(f.pid));
    const release = await acquirePidLock(f.pid, f.sock);
    assert.equal(await fs.readFile(f.pid, 'utf8'), `${process.pid}\n`);
    assert.equal((await fs.stat(f.pid)).mode & 0o777, 0o600);
    await release();
    await assert.rejects(fs.stat(f.pid), { code: 'ENOENT' });
  });

  it('takes over a pid file left by a dead process, or holding garbage', async () => {
    const f = files('b');
    await fs.mkdir(path.dirname(f.pid));
    const dead = spawn('true');
    await new Promise((r) => dead.once('exit', r));
    for (const content of [`${dead.pid}\n`, 'garbage\n']) {
      await fs.writeFile(f.pid, content);
      const release = await acquirePidLock(f.pid, f.sock);
      assert.equal(await fs.readFile(f.pid, 'utf8'), `${process.pid}\n`);
      await release();
    }
  });

  it('refuses while the owner answers on the control socket, naming its pid and how to stop it', async () => {
    const f = files('c');
    await fs.mkdir(path.dirname(f.pid));
    await fs.writeFile(f.pid, '4242\n');
    const server = net.createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(f.sock, r));
    try {
      await assert.rejects(acquirePidLock(f.pid, f.sock), (err: Error) => {
        assert.match(err.message, /^A credd daemon is already running for .*\/c \(pid 4242\); stop it with: credd stop$/);
        return true;
      });
      assert.equal(await fs.readFile(f.pid, 'utf8'), '4242\n', 'the owner keeps its lock');
    } finally {
      server.close();
    }
  });

  it('release leaves a pid file that another daemon has taken since', async () => {
    const f = files('d');
    await fs.mkdir(path.dirname(f.pid));
    const release = await acquirePidLock(f.pid, f.sock);
    await fs.writeFile(f.pid, '4243\n');
    await release();
    assert.equal(await fs.readFile(f.pid, 'utf8'), '4243\n');
  });
});
