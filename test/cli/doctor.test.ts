/**
 * `credd doctor` from the built CLI against a running daemon (STS emulator, sandbox keychain):
 * a healthy shell exits 0; every check, made to fail, prints its ✗ line and its fix and exits 1.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CREDD_BIN, CREDD_MODULE_BIN, run, sandbox, type RunResult, type Sandbox } from '../support/cli-harness.js';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon-process.js';
import { parseExports } from '../support/journey-helpers.js';
import { startStsEmulator, type StsEmulator } from '../support/sts-emulator.js';

/** The `✗ what` line and the `fix:` line under it. */
function failure(out: string, what: RegExp): { line: string; fix: string } {
  const lines = out.split('\n');
  const i = lines.findIndex((l) => l.startsWith('✗ ') && what.test(l));
  assert.ok(i >= 0, `no ✗ line matching ${what} in:\n${out}`);
  const fix = lines[i + 1] ?? '';
  assert.match(fix, /^ {4}fix: /);
  return { line: lines[i] ?? '', fix: fix.trim().slice('fix: '.length) };
}

describe('credd doctor', () => {
  let sts: StsEmulator;
  let box: Sandbox;
  let daemon: DaemonProcess;
  let userHome: string;
  let shell: Record<string, string>;
  let skewServer: http.Server | undefined;
  const unitFile = () => path.join(userHome, '.config', 'systemd', 'user', 'credd.service');

  /** Doctor in "this shell": the sandbox env plus `credd env`'s lines, changed by `change` (undefined deletes). */
  const doctor = (change: Record<string, string | undefined> = {}): Promise<RunResult> => {
    const env: Record<string, string> = { ...shell };
    for (const [k, v] of Object.entries(change)) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
    return run(process.execPath, [CREDD_BIN, 'doctor'], { env });
  };
  const failing = async (change: Record<string, string | undefined>, what: RegExp) => {
    const r = await doctor(change);
    assert.equal(r.code, 1, `expected exit 1:\n${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /\d+ problems? found\.\n$/);
    return failure(r.stdout, what);
  };

  before(async () => {
    sts = await startStsEmulator();
    const alice = sts.createUser({ userName: 'alice' });
    const ro = sts.createRole({ roleName: 'ReadOnly', trustedPrincipals: [alice.arn] });
    box = await sandbox({
      stsUrl: sts.url,
      config: `[profile base]\nregion = us-east-1\n\n[profile readonly]\nsource_profile = base\nrole_arn = ${ro.arn}\n`,
    });
    userHome = path.join(path.dirname(box.home), 'user-home');
    await fs.mkdir(path.dirname(unitFile()), { recursive: true });
    await fs.writeFile(unitFile(), `[Service]\nExecStart="${process.execPath}" "${CREDD_MODULE_BIN}" "daemon"\n`);
    const env = { HOME: userHome };
    const added = await box.credd(['add', 'base', '--env'], { env: { ...env, AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey } });
    assert.equal(added.code, 0, added.stderr);
    daemon = await startDaemonProcess({ ...box.env, ...env });
    const sw = await box.credd(['switch', 'readonly'], { env });
    assert.equal(sw.code, 0, sw.stderr);
    shell = { ...box.env, ...env, ...parseExports((await box.credd(['env'], { env })).stdout) };
    assert.ok(shell['AWS_CONTAINER_CREDENTIALS_FULL_URI'] && shell['AWS_CONTAINER_AUTHORIZATION_TOKEN']);
  });

  after(async () => {
    await daemon?.stop();
    await new Promise((r) => (skewServer ? skewServer.close(r) : r(undefined)));
    await box?.cleanup();
    await sts?.close();
  });

  it('a healthy setup: every line ✓ and exit 0', async () => {
    const r = await doctor();
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^✓ daemon running: pid ${daemon.child.pid} on 127\\.0\\.0\\.1:${daemon.port}`, 'm'));
    assert.match(r.stdout, /^✓ profile readonly has credentials until /m);
    assert.match(r.stdout, /^✓ state dir .* private/m);
    assert.match(r.stdout, /^✓ this shell points SDKs at credd \(follows credd switch\)$/m);
    assert.match(r.stdout, /^✓ nothing in this shell or ~\/\.aws\/credentials shadows credd$/m);
    assert.match(r.stdout, /^✓ .* reachable \(1 keys\)$/m);
    assert.match(r.stdout, new RegExp(`^✓ STS reachable at ${sts.url}, clock within \\d+ s$`, 'm'));
    assert.match(r.stdout, /^✓ service installed /m);
    assert.doesNotMatch(r.stdout, /^[✗!] /m);
    assert.match(r.stdout, /All good\.\n$/);
  });

  it('state files readable by others: fails with chmod 600 / chmod 700', async () => {
    const token = path.join(box.home, 'token');
    await fs.chmod(token, 0o644);
    await fs.chmod(box.home, 0o755);
    try {
      const { line, fix } = await failing({}, /readable by others/);
      assert.ok(line.includes(`${box.home} is 755`) && line.includes(`${token} is 644`), line);
      assert.equal(fix, `chmod 700 '${box.home}' && chmod 600 '${token}'`);
    } finally {
      await fs.chmod(token, 0o600);
      await fs.chmod(box.home, 0o700);
    }
  });

  it('AWS_CONTAINER_CREDENTIALS_FULL_URI missing: fix is eval "$(credd env)"', async () => {
    const { fix } = await failing({ AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined }, /AWS_CONTAINER_CREDENTIALS_FULL_URI is not set/);
    assert.match(fix, /eval "\$\(credd env\)"/);
  });

  it('a wrong token or a wrong port in the shell fails', async () => {
    const token = await failing({ AWS_CONTAINER_AUTHORIZATION_TOKEN: 'not-the-token' }, /AWS_CONTAINER_AUTHORIZATION_TOKEN in this shell is not this daemon's token/);
    assert.equal(token.fix, 'eval "$(credd env)"');
    const port = daemon.port === 65000 ? 65001 : 65000;
    const wrongPort = await failing({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${port}/v1/credentials` }, /does not point at this daemon/);
    assert.ok(wrongPort.line.includes(`(127.0.0.1:${daemon.port})`), wrongPort.line);
    assert.equal(wrongPort.fix, 'eval "$(credd env)"');
  });

  it('AWS_ACCESS_KEY_ID / AWS_PROFILE in the shell shadow credd', async () => {
    const keys = await failing({ AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE00', AWS_SECRET_ACCESS_KEY: 'x' }, /AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY set in this shell/);
    assert.equal(keys.fix, 'unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY');
    const profile = await failing({ AWS_PROFILE: 'readonly' }, /AWS_PROFILE=readonly is set/);
    assert.match(profile.fix, /^unset AWS_PROFILE/);
  });

  it('a [default] key in the shared credentials file shadows credd', async () => {
    const creds = path.join(userHome, 'credentials');
    await fs.writeFile(creds, '[default]\naws_access_key_id = AKIAEXAMPLEEXAMPLE00\naws_secret_access_key = x\n');
    const { line, fix } = await failing({ AWS_SHARED_CREDENTIALS_FILE: creds }, /\[default\] in .* holds a plaintext access key/);
    assert.ok(line.includes(creds));
    assert.match(fix, /credd add/);
  });

  it('asks the running daemon about the keychain: the shell cannot reach one, the daemon can', async () => {
    const r = await doctor({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' });
    assert.match(r.stdout, /^✓ Secret Service \(GNOME Keyring\/KWallet\) reachable \(1 keys\)$/m);
  });

  it('an unreachable STS fails', async () => {
    const { line, fix } = await failing({ AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:1' }, /STS not reachable at http:\/\/127\.0\.0\.1:1/);
    assert.ok(line);
    assert.match(fix, /AWS_ENDPOINT_URL_STS/);
  });

  it('a clock 20 minutes off STS fails, naming the clock', async () => {
    const server = http.createServer((_req, res) => {
      res.setHeader('Date', new Date(Date.now() + 20 * 60_000).toUTCString());
      res.end('<ErrorResponse/>');
    });
    skewServer = server;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { line, fix } = await failing({ AWS_ENDPOINT_URL_STS: url }, /clock/);
    assert.match(line, /clock is 20 min off STS's/);
    assert.match(fix, /time sync/);
  });

  it('no service installed is a warning with its fix, and does not change the exit code', async () => {
    await fs.rm(unitFile());
    try {
      const r = await doctor();
      assert.equal(r.code, 0, r.stdout);
      assert.match(r.stdout, /^! credd does not start at login\n {4}fix: credd service install\n/m);
      assert.match(r.stdout, /All good\.\n$/);
    } finally {
      await fs.writeFile(unitFile(), `[Service]\nExecStart="${process.execPath}" "${CREDD_MODULE_BIN}" "daemon"\n`);
    }
  });

  it('the daemon not running fails with: credd daemon', async () => {
    assert.equal(await daemon.stop(), 0);
    const r = await doctor();
    assert.equal(r.code, 1);
    const { line, fix } = failure(r.stdout, /daemon not reachable/);
    assert.match(line, /^✗ daemon not reachable/);
    assert.match(fix, /^credd daemon/);
  });

  it('without a daemon, an unreachable keychain fails with the file-store hint', async () => {
    const { line, fix } = await failing({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' }, /secret store not usable/);
    assert.ok(line.length > '✗ secret store not usable: '.length);
    assert.match(fix, /CREDD_STORE=file/);
  });
});
