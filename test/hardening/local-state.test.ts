// Issue 13 items 4 and 5: a CREDD_HOME that another user controls is refused in one line with
// nothing written; the CLI never talks to a control socket it does not own; the file-store
// passphrase reaches no child (exec, mfa_process, the keyring helper).
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCommand } from '../../src/platform/run-command.js';
import { cleanEnv, CREDD_BIN, run } from '../support/cli-harness.js';
import { startDaemonProcess } from '../support/daemon-process.js';
import { stopDaemon } from '../support/hardening-harness.js';
import { otherUser, type OtherUser } from '../support/other-user.js';

const other = otherUser();
const SKIP = typeof other === 'string' ? other : false;
const KEY = { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

function attacker(): OtherUser {
  if (typeof other === 'string') throw new Error(other);
  return other;
}

describe('CREDD_HOME that is not ours alone', { skip: SKIP }, () => {
  let dir: string;
  let foreign: string;
  const credd = (home: string, args: string[], extra: Record<string, string> = {}) =>
    run(process.execPath, [CREDD_BIN, ...args], { env: cleanEnv({ CREDD_HOME: home, CREDD_STORE: 'file', CREDD_FILE_PASSPHRASE: 'correct horse battery', AWS_CONFIG_FILE: path.join(dir, 'config'), ...KEY, ...extra }) });
  const listing = async (d: string): Promise<string[]> => (await fs.readdir(d, { recursive: true })).map(String).sort();

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-home-'));
    await fs.chmod(dir, 0o755);
    foreign = path.join(dir, 'attacker-home');
    await fs.mkdir(foreign, { mode: 0o755 });
    await fs.chown(foreign, attacker().uid, attacker().gid);
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  for (const [name, setup] of [
    ['a symlink to a directory another user owns', async () => { const l = path.join(dir, 'link'); await fs.symlink(foreign, l); return l; }],
    ['a directory another user owns', async () => foreign],
    ['a directory of ours that others may write', async () => { const d = path.join(dir, 'loose'); await fs.mkdir(d); await fs.chmod(d, 0o777); return d; }],
  ] as const) {
    it(`${name}: credd add x --env, env and daemon exit 1 in one line and write nothing`, async () => {
      const home = await setup();
      const before = await listing(home);
      for (const args of [['add', 'x', '--env'], ['env'], ['daemon', '--port', '0'], ['status']]) {
        const r = await credd(home, args);
        assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, /^credd: credd refuses to use .+\n$/, args.join(' '));
        assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      }
      assert.deepEqual(await listing(home), before, 'nothing written there');
    });
  }

  it('a control socket another user owns: the CLI refuses to talk to it (no MFA code sent)', async () => {
    const home = path.join(dir, 'ours');
    await fs.mkdir(home, { mode: 0o700 });
    const sock = path.join(home, 'control.sock');
    const heard: string[] = [];
    const server = net.createServer((c) => c.on('data', (d: Buffer) => heard.push(d.toString())));
    await new Promise<void>((r) => server.listen(sock, r));
    await fs.chown(sock, attacker().uid, attacker().gid);
    try {
      const r = await credd(home, ['mfa', 'x', '--mfa-code', '123456']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /refuses/);
      assert.deepEqual(heard, []);
    } finally {
      server.close();
    }
  });

  it('a token file that is a symlink: credd env refuses it', async () => {
    const home = path.join(dir, 'ours-token');
    await fs.mkdir(home, { mode: 0o700 });
    const planted = path.join(dir, 'planted-token');
    await fs.writeFile(planted, 'A'.repeat(43));
    await fs.symlink(planted, path.join(home, 'token'));
    const r = await credd(home, ['env']);
    assert.equal(r.code, 1, r.stdout);
    assert.doesNotMatch(r.stdout, /AAAAAAAAAA/);
    assert.match(r.stderr, /symlink/);
  });
});

describe('the file-store passphrase reaches no child', () => {
  it('mfa_process and other commands credd runs do not see CREDD_FILE_PASSPHRASE', async () => {
    process.env['CREDD_FILE_PASSPHRASE'] = 'hunter2-in-the-parent';
    try {
      const out = await runCommand('env', 5_000);
      assert.match(out, /PATH=/);
      assert.doesNotMatch(out, /CREDD_FILE_PASSPHRASE|hunter2/);
    } finally {
      delete process.env['CREDD_FILE_PASSPHRASE'];
    }
  });

  it('the daemon drops it: its keyring helper child has no CREDD_FILE_PASSPHRASE in its environment', async () => {
    const home = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-scrub-'));
    const daemon = await startDaemonProcess(cleanEnv({ CREDD_HOME: path.join(home, 'h'), AWS_CONFIG_FILE: path.join(home, 'config'), CREDD_FILE_PASSPHRASE: 'hunter2-daemon-env', CREDD_KEYCHAIN_SERVICE: `credd-scrub-${process.pid}` }));
    try {
      const pid = daemon.child.pid ?? 0;
      // A status request makes the daemon open its keychain, which starts the helper child.
      await run(process.execPath, [CREDD_BIN, 'status'], { env: cleanEnv({ CREDD_HOME: path.join(home, 'h') }) });
      const deadline = Date.now() + 10_000;
      let children: number[] = [];
      for (;;) {
        children = await childrenOf(pid);
        if (children.length > 0 || Date.now() > deadline) break;
        await run(process.execPath, [CREDD_BIN, 'switch', 'nobody'], { env: cleanEnv({ CREDD_HOME: path.join(home, 'h'), AWS_CONFIG_FILE: path.join(home, 'config') }) });
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok(children.length > 0, 'the daemon started no helper child');
      for (const c of children) {
        const environ = await fs.readFile(`/proc/${c}/environ`, 'utf8').catch(() => '');
        assert.doesNotMatch(environ, /CREDD_FILE_PASSPHRASE|hunter2/, `child ${c}`);
      }
    } finally {
      await stopDaemon(daemon);
      await fs.rm(home, { recursive: true, force: true });
    }
  });
});

async function childrenOf(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const e of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const stat = await fs.readFile(`/proc/${e}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid) out.push(Number(e));
  }
  return out;
}
