/**
 * Issue 14: only the daemon opens the secret store. The CLI runs with a D-Bus address that
 * leads nowhere, so any keychain access of its own would fail: every secret operation that
 * still works went through the daemon. And the file store a service cannot prompt for starts
 * locked until `credd unlock`.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandbox, type RunResult, type Sandbox } from '../support/cli-harness.js';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon-process.js';
import { httpGet, parseExports, waitForFile } from '../support/journey-helpers.js';
import { startStsEmulator, type EmulatedUser, type StsEmulator } from '../support/sts-emulator.js';

const ok = (r: RunResult): RunResult => {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  return r;
};
const NO_BUS = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/credd-no-bus' };

describe('secret operations go through the running daemon', () => {
  let sts: StsEmulator;
  let alice: EmulatedUser;
  let box: Sandbox;
  let daemon: DaemonProcess | undefined;
  const keys = () => ({ AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey });

  before(async () => {
    sts = await startStsEmulator();
    alice = sts.createUser({ userName: 'alice' });
    box = await sandbox({ stsUrl: sts.url, config: '[profile base]\nregion = us-east-1\n' });
    daemon = await startDaemonProcess(box.env);
  });
  after(async () => {
    await daemon?.stop();
    await box?.cleanup();
    await sts?.close();
  });

  it('add, list, import and remove work from a CLI that cannot reach any keychain', async () => {
    const added = ok(await box.credd(['add', 'base', '--env'], { env: { ...NO_BUS, ...keys() } }));
    assert.match(added.stdout, /^Added key AKIA…\w{4} for profile "base" to the Secret Service/);
    assert.equal(added.stderr, '');
    const again = await box.credd(['add', 'base', '--env'], { env: { ...NO_BUS, ...keys() } });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already has a key in credd; use --force/);
    assert.match(ok(await box.credd(['list'], { env: NO_BUS })).stdout, /\n {2}base\s+key stored/);
    const credentials = path.join(box.home, '..', 'credentials');
    await fs.writeFile(credentials, `[work]\naws_access_key_id = ${alice.accessKeyId}\naws_secret_access_key = ${alice.secretAccessKey}\n`);
    const imported = ok(await box.credd(['import', 'work'], { env: { ...NO_BUS, AWS_SHARED_CREDENTIALS_FILE: credentials } }));
    assert.match(imported.stdout, /^imported: work \(AKIA…\w{4}\) → Secret Service/);
    const twice = ok(await box.credd(['import', 'work'], { env: { ...NO_BUS, AWS_SHARED_CREDENTIALS_FILE: credentials } }));
    assert.match(twice.stdout, /^already in credd: work/);
    ok(await box.credd(['remove', 'work', '--force'], { env: NO_BUS }));
    assert.doesNotMatch(ok(await box.credd(['list'], { env: NO_BUS })).stdout, /\n {2}work\s+key stored/);
    // The daemon serves with the key it was handed, and the CLI never saw the keychain.
    ok(await box.credd(['switch', 'base'], { env: NO_BUS }));
    assert.ok(!(daemon?.logs() ?? '').includes(alice.secretAccessKey), "alice's secret key is in the daemon log");
  });

  it('without a daemon the CLI opens the store itself, and says so', async () => {
    await daemon?.stop();
    daemon = undefined;
    const r = await box.credd(['add', 'other', '--env'], { env: { ...NO_BUS, ...keys() } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^credd: no daemon is running, so this command opens the Secret Service \(GNOME Keyring\/KWallet\) itself\.\n/);
    assert.match(r.stderr, /No Secret Service is reachable/);
    // Listing needs no keychain at all: the item index holds the names.
    assert.match(ok(await box.credd(['list'], { env: NO_BUS })).stdout, /\n\*? {1,2}base\s+key stored/);
  });
});

describe('CREDD_STORE=file: the daemon starts locked, `credd unlock` opens it, `credd lock` closes it', () => {
  let sts: StsEmulator;
  let alice: EmulatedUser;
  let box: Sandbox;
  let daemon: DaemonProcess;

  before(async () => {
    sts = await startStsEmulator();
    alice = sts.createUser({ userName: 'alice' });
    box = await sandbox({ stsUrl: sts.url, config: '[profile base]\nregion = us-east-1\ncredd_serve_session = true\n', extraEnv: { CREDD_STORE: 'file' } });
    daemon = await startDaemonProcess(box.env);
  });
  after(async () => {
    await daemon?.stop();
    await box?.cleanup();
    await sts?.close();
  });

  it('goes from locked to open to locked, and says "locked: run credd unlock" wherever the user looks', async () => {
    const status = ok(await box.credd(['status'])).stdout;
    assert.match(status, /\nsecret store: The encrypted file \(.*\) is locked: run credd unlock\n/);
    const notice = await waitForFile(path.join(box.home, 'notice'), 10_000);
    assert.equal(notice.text, 'locked: run credd unlock\n');
    const keys = { AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey };
    const refused = await box.credd(['add', 'base', '--env'], { env: keys });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /is locked: run credd unlock/);

    // The contract: one line on stdin opens it (and a new store is created with it).
    assert.match(ok(await box.credd(['unlock'], { input: 'PASS\n' })).stdout, /^Unlocked: the daemon can use the encrypted file/);
    ok(await box.credd(['add', 'base', '--env'], { env: keys }));
    ok(await box.credd(['switch', 'base']));
    const vars = parseExports(ok(await box.credd(['env'])).stdout);
    const url = vars['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '';
    const token = vars['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '';
    assert.equal((await httpGet(url, token)).status, 200);
    await waitForFile(path.join(box.home, 'notice'), 20_000, false);

    ok(await box.credd(['lock']));
    const locked = await httpGet(url, token);
    assert.equal(locked.status, 409);
    assert.match(JSON.parse(locked.body).Message as string, /locked: run credd unlock/);
    assert.match(ok(await box.credd(['status'])).stdout, /secret store: locked: run credd unlock \(credd lock made the daemon forget every cached secret\)/);
    ok(await box.credd(['unlock'], { input: 'PASS\n' }));
    assert.equal((await httpGet(url, token)).status, 200);
  });

  it('a wrong passphrase for an existing store leaves it locked', async () => {
    ok(await box.credd(['lock']));
    const wrong = await box.credd(['unlock'], { input: 'NOPE\n' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /passphrase .* is wrong/);
    assert.match(ok(await box.credd(['status'])).stdout, /secret store: locked: run credd unlock/);
  });
});
