/**
 * Smaller day-one trip-ups, from the built CLI against the emulator: MFA is asked only once the
 * key exists (and without a terminal credd says how to give the code), a mistyped profile gets
 * "did you mean", and `credd list` shows profiles credd does not serve as what they are.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sandbox, type Sandbox } from '../support/cli-harness.js';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon-process.js';
import { startStsEmulator, type EmulatedUser, type StsEmulator } from '../support/sts-emulator.js';

describe('a new user\'s first steps', () => {
  let sts: StsEmulator;
  let alice: EmulatedUser;
  let serial: string;
  let box: Sandbox;
  let daemon: DaemonProcess;

  before(async () => {
    sts = await startStsEmulator();
    alice = sts.createUser({ userName: 'alice' });
    serial = sts.addMfaDevice('alice').serial;
    const admin = sts.createRole({ roleName: 'Admin', trustedPrincipals: [alice.arn] });
    const ro = sts.createRole({ roleName: 'ReadOnly', trustedPrincipals: [alice.arn] });
    box = await sandbox({
      stsUrl: sts.url,
      config: [
        `[profile base]\nregion = eu-west-1\nmfa_serial = ${serial}\n`,
        `[profile admin]\nsource_profile = base\nrole_arn = ${admin.arn}\n`,
        `[profile readonly]\nsource_profile = base\nrole_arn = ${ro.arn}\n`,
        `[profile orphan]\nsource_profile = nokey\nrole_arn = ${ro.arn}\n`,
        '[profile tool]\ncredential_process = /usr/bin/false\n',
        '[profile ci]\nweb_identity_token_file = /tmp/token\nrole_arn = arn:aws:iam::123456789012:role/Ci\n',
      ].join('\n'),
    });
    daemon = await startDaemonProcess(box.env);
  });

  after(async () => {
    await daemon?.stop();
    await box?.cleanup();
    await sts?.close();
  });

  it('asks for no MFA code while the key behind the role is missing', async () => {
    const r = await box.credd(['switch', 'admin'], { input: '123456\n' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no access key in credd[^\n]*; run: credd add base\n$/);
    assert.doesNotMatch(r.stderr, /MFA/);
    assert.equal(sts.counts['GetSessionToken'] ?? 0, 0, 'no code was sent');
  });

  it('without a terminal and without --mfa-code, says how to give the code', async () => {
    const added = await box.credd(['add', 'base', '--env'], { env: { AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey } });
    assert.equal(added.code, 0, added.stderr);
    const r = await box.credd(['switch', 'admin']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `credd: MFA code needed for ${serial}: pass --mfa-code (stdin is not a terminal).\n`);
  });

  it('a mistyped profile gets "did you mean", not "credd add"', async () => {
    const r = await box.credd(['switch', 'readonyl']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `credd: There is no profile "readonyl" in ${box.configFile} and no key for it in credd; did you mean readonly?\n`);
  });

  it('list shows credential_process and web-identity profiles as what they are, and roles whose source has no key', async () => {
    const r = await box.credd(['list']);
    assert.equal(r.code, 0, r.stderr);
    const row = (name: string): string => r.stdout.split('\n').find((l) => l.slice(2).startsWith(`${name} `)) ?? '';
    assert.match(row('tool'), /^ {2}tool +credential_process /);
    assert.match(row('ci'), /^ {2}ci +web identity ← /);
    for (const name of ['tool', 'ci']) assert.doesNotMatch(row(name), /no key/, `${name} is not shown as a missing key`);
    assert.match(row('orphan'), /role ← nokey\s+arn:aws:iam::\d+:role\/ReadOnly; nokey has no key \(credd add nokey\)/);
    assert.doesNotMatch(row('readonly'), /no key/);
  });
});
