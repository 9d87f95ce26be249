/**
 * `credd daemon --log-file` and `credd logs` from the built CLI: JSON lines in the file, shown
 * readably, -n and -f, no secrets, SIGHUP reopens the file; RotatingFile keeps the log bounded.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RotatingFile } from '../../src/platform/rotating-file.js';
import { CREDD_BIN, sandbox, type Sandbox } from '../support/cli-harness.js';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon-process.js';
import { startStsEmulator, type EmulatedUser, type StsEmulator } from '../support/sts-emulator.js';

/** The start of a pino-pretty entry: `[2025-01-01 12:00:00] INFO: message` (continuation lines are indented). */
const ENTRY = /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL)(?: \(\d+\))?: /;

async function waitFor(what: string, check: () => Promise<boolean> | boolean, ms = 8_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('credd daemon --log-file and credd logs', () => {
  let sts: StsEmulator;
  let alice: EmulatedUser;
  let box: Sandbox;
  let daemon: DaemonProcess;
  let logFile: string;
  const read = () => fs.readFile(logFile, 'utf8').catch(() => '');

  before(async () => {
    sts = await startStsEmulator();
    alice = sts.createUser({ userName: 'alice' });
    const ro = sts.createRole({ roleName: 'ReadOnly', trustedPrincipals: [alice.arn] });
    box = await sandbox({ stsUrl: sts.url, config: `[profile base]\nregion = us-east-1\n\n[profile readonly]\nsource_profile = base\nrole_arn = ${ro.arn}\n` });
    logFile = path.join(path.dirname(box.home), 'logs', 'credd.log');
    const added = await box.credd(['add', 'base', '--env'], { env: { AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey } });
    assert.equal(added.code, 0, added.stderr);
    daemon = await startDaemonProcess(box.env, ['--log-file', logFile]);
    const sw = await box.credd(['switch', 'readonly']);
    assert.equal(sw.code, 0, sw.stderr);
  });

  after(async () => {
    await daemon?.stop();
    await box?.cleanup();
    await sts?.close();
  });

  it('writes JSON lines to the file (0600), not to stderr', async () => {
    await waitFor('credentials obtained', async () => (await read()).includes('credentials obtained'));
    const lines = (await read()).split('\n').filter((l) => l !== '');
    const entries = lines.map((l) => JSON.parse(l) as { level: number; msg: string; time: number });
    assert.ok(entries.every((e) => typeof e.level === 'number' && typeof e.msg === 'string' && typeof e.time === 'number'));
    assert.ok(entries.some((e) => e.msg === 'credd daemon listening on 127.0.0.1'));
    assert.equal((await fs.stat(logFile)).mode & 0o777, 0o600);
    assert.equal(daemon.logs(), '', 'nothing on stdout/stderr');
  });

  it('credd logs --file shows it readably; -n limits the entries', async () => {
    const r = await box.credd(['logs', '--file', logFile]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    assert.ok(lines.length > 0);
    assert.ok(lines.every((l) => !l.startsWith('{')), r.stdout);
    assert.match(r.stdout, /^\[[\d-]+ [\d:]+\] INFO: credd daemon listening on 127\.0\.0\.1$/m);
    assert.match(r.stdout, /INFO: credentials obtained/);
    const entries = (await read()).split('\n').filter((l) => l !== '').length;
    assert.equal(lines.filter((l) => ENTRY.test(l)).length, entries, 'one readable entry per JSON line');
    const three = await box.credd(['logs', '--file', logFile, '-n', '3']);
    assert.equal(three.code, 0, three.stderr);
    assert.equal(three.stdout.split('\n').filter((l) => ENTRY.test(l)).length, Math.min(3, entries));
  });

  it('credd logs -f prints new lines as they are written', async () => {
    const child = spawn(process.execPath, [CREDD_BIN, 'logs', '--file', logFile, '-f', '-n', '1'], { env: box.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitFor('the last line', () => ENTRY.test(out));
      assert.doesNotMatch(out, /typo-profile/);
      const sw = await box.credd(['switch', 'typo-profile']);
      assert.equal(sw.code, 1);
      await waitFor('the switch failure to be logged', async () => (await read()).includes('typo-profile'));
      await waitFor('logs -f to show it', () => out.includes('typo-profile'));
      assert.match(out, /WARN: could not obtain credentials/);
      assert.equal(child.exitCode, null, 'still following');
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('the log holds no secrets: not the IAM key, not the auth token, not the issued session', async () => {
    const exported = await box.credd(['export', 'readonly', '--format', 'json']);
    assert.equal(exported.code, 0, exported.stderr);
    const session = JSON.parse(exported.stdout) as { SecretAccessKey: string; SessionToken: string };
    const token = (await fs.readFile(path.join(box.home, 'token'), 'utf8')).trim();
    const log = await read();
    assert.ok(log.length > 0);
    const secrets = { iamSecret: alice.secretAccessKey, authToken: token, sessionSecret: session.SecretAccessKey, sessionToken: session.SessionToken };
    for (const [name, secret] of Object.entries(secrets)) {
      assert.ok(secret.length >= 20, name);
      assert.ok(!log.includes(secret), `${name} found in the log`);
    }
  });

  it('SIGHUP reopens the log file (for logrotate) and does not stop the daemon', async () => {
    const moved = `${logFile}.moved`;
    await fs.rename(logFile, moved);
    daemon.child.kill('SIGHUP');
    await waitFor('the new log file', () => fs.access(logFile).then(() => true, () => false));
    assert.equal(daemon.child.exitCode, null);
    const movedBefore = await fs.readFile(moved, 'utf8');
    const sw = await box.credd(['switch', 'after-hup']);
    assert.equal(sw.code, 1);
    await waitFor('a line in the new file', async () => (await read()).includes('after-hup'));
    assert.equal(await fs.readFile(moved, 'utf8'), movedBefore, 'nothing more in the moved file');
    assert.equal((await box.credd(['status'])).code, 0);
  });
});

describe('RotatingFile', () => {
  let dir: string;
  before(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-rotate-'))));
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it('keeps the file under maxBytes (+ one line) and one old file, 0600, nothing lost in between', async () => {
    const file = path.join(dir, 'sub', 'credd.log');
    const max = 1000;
    const rf = new RotatingFile(file, max);
    const line = (i: number) => `${JSON.stringify({ i, msg: 'x'.repeat(40) })}\n`;
    let longest = 0;
    for (let i = 0; i < 500; i++) {
      rf.write(line(i));
      longest = Math.max(longest, Buffer.byteLength(line(i)));
      assert.ok((await fs.stat(file)).size <= max + longest, `size after line ${i}`);
    }
    const current = (await fs.readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
    const old = (await fs.readFile(`${file}.1`, 'utf8')).split('\n').filter((l) => l !== '');
    assert.equal((await fs.stat(`${file}.1`)).size <= max + longest, true);
    const ids = [...old, ...current].map((l) => (JSON.parse(l) as { i: number }).i);
    assert.equal(ids.at(-1), 499);
    assert.deepEqual(ids, ids.map((_, k) => (ids[0] ?? 0) + k), 'the two files hold consecutive lines');
    assert.deepEqual((await fs.readdir(path.dirname(file))).sort(), ['credd.log', 'credd.log.1']);
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
  });

  it('continues an existing file, and reopen() follows a moved file', async () => {
    const file = path.join(dir, 'again.log');
    await fs.writeFile(file, 'old\n');
    const rf = new RotatingFile(file, 1000);
    rf.write('one\n');
    await fs.rename(file, `${file}.rotated`);
    rf.reopen();
    rf.write('two\n');
    assert.equal(await fs.readFile(`${file}.rotated`, 'utf8'), 'old\none\n');
    assert.equal(await fs.readFile(file, 'utf8'), 'two\n');
  });
});
