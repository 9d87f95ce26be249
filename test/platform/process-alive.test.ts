import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive } from '../../src/platform/process-alive.js';

describe('processAlive (the daemon lock, exec leases and credd logs decide with it)', () => {
  it('a running process is alive, one that exited and was reaped is not', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    const pid = child.pid ?? 0;
    assert.equal(processAlive(pid), true);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    assert.equal(processAlive(pid), false);
  });

  it('Linux: a zombie (exited, its parent never reaps it) is not alive, though kill(pid, 0) still finds it', { skip: process.platform !== 'linux' && '/proc only' }, async () => {
    // The parent forks a child that exits at once, prints its pid and sleeps without ever calling
    // wait(). (A shell's `sleep 0 & …; exec sleep 30` raced: under load dash could reap the child
    // before the exec: 1 of 600 runs with two CPU burners beside it, and once in CI.)
    const fork = 'import os, time\npid = os.fork()\nif pid == 0: os._exit(0)\nprint(pid, flush=True)\ntime.sleep(30)';
    const parent = spawn('python3', ['-c', fork]);
    try {
      const pid = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()))));
      const deadline = Date.now() + 10_000;
      while (!/\) Z /.test(await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''))) {
        assert.ok(Date.now() < deadline, 'the child never became a zombie');
        await sleep(20);
      }
      assert.doesNotThrow(() => process.kill(pid, 0), 'kill(pid, 0) still finds the zombie');
      assert.equal(processAlive(pid), false);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
