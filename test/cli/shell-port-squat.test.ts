/**
 * The prompt hook (of `credd init` and `credd env --hook`) when credd is down: it names the
 * process holding credd's port, as `credd daemon`, env, status and doctor do, and bash, zsh and
 * fish agree on whether the daemon is down (a live pid of ours, not a socket file).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run, sandbox, type RunResult, type Sandbox } from '../support/cli-harness.js';

type Shell = 'bash' | 'zsh' | 'fish';
const SHELLS: readonly Shell[] = ['bash', 'zsh', 'fish'];
const bare: Record<Shell, string[]> = { bash: ['--norc', '--noprofile'], zsh: ['-f'], fish: ['--no-config'] };
const skipFor = (sh: Shell): string | false => (spawnSync(sh, ['-c', 'exit 0']).status === 0 ? false : `${sh} is not installed on this machine`);
const DOWN = 'credd: credd daemon is not running; start it: credd daemon --detach\n';

describe('prompt hook: a port held by another process, and the daemon-down check', () => {
  let box: Sandbox;
  let squatter: ChildProcess | undefined;
  let port = 0;
  const snippet: Record<Shell, string> = { bash: '', zsh: '', fish: '' };

  /** Sources SH's init snippet in a bare shell and runs the notice hook twice (it must say a line once). */
  const hook = (sh: Shell): Promise<RunResult> => run(sh, [...bare[sh], '-c', `source ${JSON.stringify(snippet[sh])}; _credd_notice; _credd_notice`], { env: { ...box.env, LC_ALL: 'C' } });

  before(async () => {
    box = await sandbox({ config: '', stsUrl: 'http://127.0.0.1:9' });
    // Another program on credd's port, with an escape sequence in its name (what the hook prints must be inert).
    squatter = spawn(process.execPath, ['-e', "process.title='sq\\x1b[31mred'; const s=require('net').createServer().listen(0,'127.0.0.1',()=>console.log(s.address().port))"], { stdio: ['ignore', 'pipe', 'inherit'] });
    port = await new Promise<number>((resolve, reject) => {
      squatter?.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      squatter?.once('exit', () => reject(new Error('the squatter did not start')));
    });
    box.env['CREDD_PORT'] = String(port);
    await fs.mkdir(box.home, { recursive: true, mode: 0o700 });
    for (const sh of SHELLS) {
      const r = await box.credd(['init', sh]);
      assert.equal(r.code, 0, r.stderr);
      snippet[sh] = path.join(box.home, '..', `init.${sh}`);
      await fs.writeFile(snippet[sh], r.stdout);
    }
  });

  after(async () => {
    squatter?.kill();
    await box?.cleanup();
  });

  it('credd daemon refuses the port and names its holder; every shell\'s hook then says so instead of "not running"', async () => {
    const started = await box.credd(['daemon']);
    assert.equal(started.code, 1, started.stderr);
    assert.match(started.stderr, new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is already in use by you \\(uid \\d+\\), pid ${squatter?.pid} `));
    for (const sh of SHELLS) {
      if (skipFor(sh) !== false) continue;
      const r = await hook(sh);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`^credd: warning: port ${port} on 127\\.0\\.0\\.1 is held by you \\(uid \\d+\\), pid ${squatter?.pid} \\([^\\n]*\\), which is not your running credd; [^\\n]+\\n$`), `${sh}: once, naming the holder`);
      assert.ok(!r.stderr.includes('\x1b'), `${sh}: no escape sequence reaches the terminal`);
    }
  });

  it('once the port is free again, credd status clears the warning and the hook says the daemon is down', async () => {
    squatter?.kill();
    await new Promise((r) => squatter?.once('exit', r));
    squatter = undefined;
    const status = await box.credd(['status']);
    assert.equal(status.code, 3, status.stderr);
    for (const sh of SHELLS) {
      if (skipFor(sh) !== false) continue;
      assert.equal((await hook(sh)).stderr, DOWN, sh);
    }
  });

  it('a port-warning file that is a symlink (or not ours) is not printed', async () => {
    const elsewhere = path.join(box.home, '..', 'planted');
    await fs.writeFile(elsewhere, 'planted text\n');
    await fs.symlink(elsewhere, path.join(box.home, 'port-warning'));
    try {
      for (const sh of SHELLS) {
        if (skipFor(sh) !== false) continue;
        assert.equal((await hook(sh)).stderr, DOWN, sh);
      }
    } finally {
      await fs.rm(path.join(box.home, 'port-warning'));
    }
  });

  // fish used to test the control socket; now all three ask whether the pid is a live process of ours.
  it('bash, zsh and fish agree: a live pid of ours is up without a socket; a dead pid is down despite a stale socket', async () => {
    await fs.writeFile(path.join(box.home, 'daemon.pid'), `${process.pid}\n`);
    for (const sh of SHELLS) if (skipFor(sh) === false) assert.equal((await hook(sh)).stderr, '', `${sh}: live pid, no socket`);
    const socket = path.join(box.home, 'control.sock');
    const made = spawnSync('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', socket]);
    assert.equal(made.status, 0, made.stderr?.toString());
    await fs.writeFile(path.join(box.home, 'daemon.pid'), '999999\n');
    for (const sh of SHELLS) if (skipFor(sh) === false) assert.equal((await hook(sh)).stderr, DOWN, `${sh}: dead pid, stale socket`);
    await fs.rm(socket, { force: true });
    await fs.rm(path.join(box.home, 'daemon.pid'), { force: true });
  });
});
