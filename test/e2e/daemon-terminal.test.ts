/**
 * A daemon started in a terminal outlives the terminal (a real pseudo-terminal that goes
 * away, driven by test/support/pty-driver.py), and `credd daemon --detach` runs one in the background
 * with its log file recorded in daemon.json.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CREDD_BIN, ROOT, run, sandbox, type Sandbox } from '../support/cli-harness.js';
import { startStsEmulator, type StsEmulator } from '../support/sts-emulator.js';

const DRIVER = path.join(ROOT, 'test/support/pty-driver.py');
/** Node's own start-up alone can take many seconds on a loaded machine. */
const START_S = 60;

/** Our daemon still running: not a zombie left by its python parent, nor another process that got the pid since. */
async function alive(pid: number): Promise<boolean> {
  try {
    const [stat, cmdline] = await Promise.all([fs.readFile(`/proc/${pid}/stat`, 'utf8'), fs.readFile(`/proc/${pid}/cmdline`, 'utf8')]);
    return !/^\d+ \(.*\) Z/.test(stat) && cmdline.includes(CREDD_BIN);
  } catch {
    return false;
  }
}

/** `credd stop` answers once the socket is gone; the process may linger a little longer. */
async function gone(pid: number): Promise<void> {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    if (!(await alive(pid))) return;
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      if (!(await alive(pid))) return;
    }
  }
  assert.fail(`daemon ${pid} still running after SIGKILL`);
}

/** The daemon's file log, read back through `credd logs` until `count` "credentials obtained" lines are there (pino writes it asynchronously). */
async function waitForObtained(box: Sandbox, lines: number, count: number): Promise<string> {
  let last = '';
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    const logs = await box.credd(['logs', '-n', String(lines)]);
    assert.equal(logs.code, 0, logs.stderr);
    last = logs.stdout;
    if ((last.match(/credentials obtained/g) ?? []).length >= count) return last;
  }
  assert.fail(`fewer than ${count} "credentials obtained" lines in the log within 30 s:\n${last}`);
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
    for (const pid of pids) await gone(pid);
    await box?.cleanup();
    await sts?.close();
  });

  it('keeps serving after the terminal it was started in is closed', async (t) => {
    const info = path.join(box.home, 'daemon.json');
    // The terminal closes once the daemon has said it is listening on it: daemon.json is written just before that line.
    const steps = [{ file: info, timeout: START_S }, { expect: 'credd daemon listening on 127.0.0.1', timeout: START_S }, { hangup: true }];
    const r = await run('python3', [DRIVER, JSON.stringify(steps), process.execPath, CREDD_BIN, 'daemon', '--port', '0'], { env: { ...box.env, TERM: 'xterm' } });
    assert.equal(r.code, 0, r.stderr);
    const session = JSON.parse(r.stdout) as { pid: number; transcript: string; error: string | null };
    pids.push(session.pid);
    // Stopped before the next test, whatever happens here: a second daemon in the same home would find it running.
    t.after(() => gone(session.pid));
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
    assert.ok(await alive(session.pid), 'the daemon died after its terminal closed');
    // The log went on in the file credd logs reads.
    await waitForObtained(box, 200, 2);
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
    await waitForObtained(box, 5, 1);
    const second = await box.credd(['daemon', '--detach', '--port', '0']);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /already running/);
    assert.equal((await box.credd(['stop'])).code, 0);
    await gone(info.pid);
  });
});
