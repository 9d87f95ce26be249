/**
 * The terminal prompts on a real pseudo-terminal (test/support/pty-driver.py, python3's pty
 * module): the built CLI sees a TTY on stdin, stdout and stderr, exactly as in a shell.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CREDD_BIN, ROOT, run, sandbox, type Sandbox } from '../support/cli-harness.js';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon-process.js';
import { mfaCodes, type MfaCodes } from '../support/mfa-codes.js';
import { startStsEmulator, type EmulatedUser, type StsEmulator } from '../support/sts-emulator.js';

type Step = { expect: string } | { send: string };
interface Session { transcript: string; code: number | null; error: string | null }

const DRIVER = path.join(ROOT, 'test/support/pty-driver.py');

describe('prompts on a terminal', () => {
  let sts: StsEmulator;
  let alice: EmulatedUser;
  let codes: MfaCodes;
  let prompt: string;
  let box: Sandbox;
  let daemon: DaemonProcess | undefined;

  /** `credd ARGS` on a pseudo-terminal, typing as the steps say. */
  async function onTerminal(args: string[], steps: Step[]): Promise<Session> {
    const r = await run('python3', [DRIVER, JSON.stringify(steps), process.execPath, CREDD_BIN, ...args], { env: { ...box.env, TERM: 'xterm' } });
    assert.equal(r.code, 0, `pty driver: ${r.stderr}`);
    const session = JSON.parse(r.stdout) as Session;
    assert.equal(session.error, null, `${session.error ?? ''}; the terminal showed:\n${session.transcript}`);
    return session;
  }

  before(async () => {
    sts = await startStsEmulator();
    alice = sts.createUser({ userName: 'alice' });
    const device = sts.addMfaDevice('alice');
    codes = mfaCodes(sts, device.secret);
    prompt = `MFA code for ${device.serial}: `;
    const admin = sts.createRole({ roleName: 'Admin', trustedPrincipals: [alice.arn], requireMfa: true });
    box = await sandbox({
      stsUrl: sts.url,
      config: `[profile base]\nmfa_serial = ${device.serial}\n\n[profile admin]\nsource_profile = base\nrole_arn = ${admin.arn}\n`,
    });
  });

  after(async () => {
    await daemon?.stop();
    await box?.cleanup();
    await sts?.close();
  });

  it('credd add: the Access Key ID is echoed as typed, the Secret Access Key is not', async () => {
    const s = await onTerminal(['add', 'base'], [
      { expect: 'Access Key ID: ' },
      { send: `${alice.accessKeyId}\r` },
      { expect: 'Secret Access Key: ' },
      { send: `${alice.secretAccessKey}\r` },
      { expect: 'Added key' },
    ]);
    assert.equal(s.code, 0, s.transcript);
    // readline ends a line with "\r\n" and the terminal turns "\n" into "\r\n" too.
    assert.match(s.transcript, new RegExp(`Access Key ID: ${alice.accessKeyId}\r*\n`), 'the id is echoed as typed');
    assert.match(s.transcript, /Secret Access Key: \r*\n/, 'nothing is shown after the secret prompt');
    assert.ok(!s.transcript.includes(alice.secretAccessKey), 'the secret never appears on the terminal');
    for (let n = 8; n <= alice.secretAccessKey.length; n += 8) {
      assert.ok(!s.transcript.includes(alice.secretAccessKey.slice(n - 8, n)), 'no piece of the secret either');
    }
    assert.match(s.transcript, /Added key AKIA…\w{4} for profile "base"/);
  });

  it('credd switch admin: asks for the code, refuses a wrong one and asks again, then switches', async (t) => {
    daemon = await startDaemonProcess(box.env);
    const wrong = codes.wrong();
    const right = codes.fresh();
    sts.resetCounts();
    const s = await onTerminal(['switch', 'admin'], [
      { expect: prompt },
      { send: `${wrong}\r` },
      { expect: 'Try again.' },
      { expect: prompt },
      { send: `${right}\r` },
      { expect: 'Switched to admin' },
    ]);
    assert.equal(s.code, 0, s.transcript);
    assert.match(s.transcript, /STS refused the MFA code: MultiFactorAuthentication failed with invalid MFA one time pass code\. +Try again\.\r\n/);
    assert.match(s.transcript, /Switched to admin as arn:aws:sts::123456789012:assumed-role\/Admin\/\S+ \(credentials until .*, MFA session until .*\)\r\n/);
    assert.equal(s.transcript.split(prompt).length - 1, 2, 'asked exactly twice');
    assert.deepEqual(sts.counts, { GetSessionToken: 2, 'rejected:AccessDenied': 1, AssumeRole: 1 });
    await t.test('the typed codes are not echoed', () => {
      assertNotEchoed(s.transcript, prompt, [wrong, right]);
    });
    await t.test("the README's MFA example shows the prompt and the switch line as the terminal did", async () => {
      const readme = await fs.readFile(path.join(ROOT, 'README.md'), 'utf8');
      const example = /\n```\n\$ credd switch admin\n(MFA code for [^\n]+)\n(Switched to admin [^\n]+)\n/.exec(readme.slice(readme.indexOf('\n## MFA')));
      assert.ok(example?.[1] !== undefined && example[2] !== undefined, 'README has the MFA example');
      assert.match(s.transcript, readmeShape(example[1].replace(/ +\(typed, not shown\)$/, ' ')));
      assert.match(s.transcript, readmeShape(`${example[2]}\r\n`));
    });
  });

  it('credd switch on a terminal gives up after three wrong codes, exit 1', async () => {
    assert.equal((await box.credd(['clear'])).code, 0);
    sts.resetCounts();
    const steps: Step[] = [];
    // Three distinct codes: the daemon would refuse a repeated one without asking STS.
    for (let i = 1; i <= 3; i++) steps.push({ expect: prompt }, { send: `${codes.wrong(i)}\r` });
    const s = await onTerminal(['switch', 'admin'], [...steps, { expect: 'credd: ' }]);
    assert.equal(s.code, 1, s.transcript);
    assert.equal(s.transcript.split(prompt).length - 1, 3);
    assert.equal(s.transcript.split('Try again.').length - 1, 2, 'two retries, then the error');
    assert.equal(sts.counts['GetSessionToken'], 3);
    assert.equal(sts.counts['AssumeRole'] ?? 0, 0);
  });
});

/**
 * A README line as a pattern for what the terminal shows: its account ids ("…" or digits), the
 * user in ARNs and session names, and its clock times (with the date a time on another day
 * has) stand for any; every other character must be there as written.
 */
function readmeShape(line: string): RegExp {
  const escaped = line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(
    escaped
      .replace(/…|\d{12}/g, '\\d{12}')
      .replace(/(mfa\/|credd-)alice/g, '$1\\S+')
      .replace(/(?:[A-Z][a-z]{2} \d{1,2} )?\d\d:\d\d/g, '(?:[A-Z][a-z]{2} \\d{1,2} )?\\d\\d:\\d\\d'),
  );
}

/** What was typed after each prompt must not show: the line after the prompt is empty. */
function assertNotEchoed(transcript: string, prompt: string, typed: string[]): void {
  for (const line of transcript.split(prompt).slice(1)) {
    assert.match(line, /^\r*\n/, `something was echoed after the prompt: ${JSON.stringify(line.slice(0, 20))}`);
  }
  const withoutArns = transcript.replaceAll('123456789012', '');
  for (const code of typed) assert.ok(!withoutArns.includes(code), `the code ${code} appears on the terminal`);
}
