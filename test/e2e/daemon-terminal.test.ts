/**
 * A daemon started in a terminal outlives the terminal (a real pseudo-terminal that goes
 * away, test/support/pty-hangup.py), and `credd daemon --detach` runs one in the background
 * with its log file recorded in daemon.json.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CREDD_BIN, ROOT, run, sandbox, type Sandbox } from '../support/cli-harness.js';
import { startStsEmulator, type StsEmulator } from '../support/sts-emulator.js';

const HANGUP = path.join(ROOT, 'test/support/pty-hangup.py');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('a daemon that must outlive its terminal', () => {
  let sts: StsEmulator;
  let box: Sandbox;
  const pids: number[] = [];

  before(async () => {
    sts = await startStsEmulator();
    const alice = sts.createUser({ userName: 'alice' });
    const ro = sts.createRole({ roleName: 'ReadOnly', trustedPrincipals: [alice.arn] });
    box = await sandbox({ stsUrl: sts.url, config: `[profile base]\nregion = eu-west-1\n\n[profile readonly]\nsource_profile = base\nrole_arn = ${ro.arn}\n` });
    const added = await box.credd(['add', 'base', '--env'], { env: { AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey } });
    assert.equal(added.code, 0, added.stderr);
  });

  after(async () => {
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await box?.cleanup();
    await sts?.close();
  });

  it('keeps serving after the terminal it was started in is closed', async () => {
    const info = path.join(box.home, 'daemon.json');
    const r = await run('python3', [HANGUP, info, process.execPath, CREDD_BIN, 'daemon', '--port', '0'], { env: { ...box.env, TERM: 'xterm' } });
    assert.equal(r.code, 0, r.stderr);
    const session = JSON.parse(r.stdout) as { pid: number; transcript: string; error: string | null };
    pids.push(session.pid);
    assert.equal(session.error, null, session.transcript);
    // Pretty output on the terminal: the very sink that used to die with it.
    assert.match(session.transcript, /credd daemon listening on 127\.0\.0\.1/);
    for (let i = 0; i < 2; i++) {
      const sw = await box.credd(['switch', 'readonly']);
      assert.equal(sw.code, 0, sw.stderr);
      assert.match(sw.stdout, /Switched to readonly as arn:aws:sts::\d+:assumed-role\/ReadOnly\//);
    }
    const cleared = await box.credd(['clear']);
    assert.equal(cleared.code, 0, cleared.stderr);
    const again = await box.credd(['switch', 'readonly']);
    assert.equal(again.code, 0, again.stderr);
    assert.ok(alive(session.pid), 'the daemon died after its terminal closed');
    // The log went on in the file credd logs reads.
    const logs = await box.credd(['logs', '-n', '200']);
    assert.equal(logs.code, 0, logs.stderr);
    assert.equal((logs.stdout.match(/credentials obtained/g) ?? []).length >= 2, true, logs.stdout);
    const stop = await box.credd(['stop']);
    assert.equal(stop.code, 0, stop.stderr);
  });

  it('--detach returns once the daemon answers, with its log file recorded in daemon.json', async () => {
    const started = await box.credd(['daemon', '--detach', '--port', '0']);
    assert.equal(started.code, 0, started.stderr);
    const info = JSON.parse(await fs.readFile(path.join(box.home, 'daemon.json'), 'utf8')) as { pid: number; logFile?: string };
    pids.push(info.pid);
    assert.equal(info.logFile, path.join(box.home, 'logs', 'credd.log'));
    assert.match(started.stdout, new RegExp(`pid ${info.pid}.*log: ${info.logFile}`));
    // Answering already: no waiting needed before the first command.
    const status = await box.credd(['status']);
    assert.equal(status.code, 0, status.stderr);
    const sw = await box.credd(['switch', 'readonly']);
    assert.equal(sw.code, 0, sw.stderr);
    const logs = await box.credd(['logs', '-n', '5']);
    assert.match(logs.stdout, /credentials obtained/);
    const second = await box.credd(['daemon', '--detach', '--port', '0']);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /already running/);
    assert.equal((await box.credd(['stop'])).code, 0);
  });
});
