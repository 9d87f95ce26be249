// No secret reaches the daemon's log at any level, up to trace, in the flows that handle
// them: MFA sign-in (switch and `credd mfa`), a refused code, role credentials, export, env,
// console sign-in. What counts as a secret is read back from where it really lives (the
// keychain holds the 12 h MFA session).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeSession, sessionItem } from '../../src/domain/stored-session.js';
import { OsKeychainStore } from '../../src/keychain/os-keychain-store.js';
import { sandbox, type RunResult, type Sandbox } from '../support/cli-harness.js';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon-process.js';
import { httpGet, parseExports } from '../support/journey-helpers.js';
import { mfaCodes, type MfaCodes } from '../support/mfa-codes.js';
import { startStsEmulator, type EmulatedUser, type StsEmulator } from '../support/sts-emulator.js';

describe('the daemon log at trace level holds no secret in any flow', () => {
  let sts: StsEmulator;
  let alice: EmulatedUser;
  let codes: MfaCodes;
  let box: Sandbox;
  let daemon: DaemonProcess;
  const secrets = new Map<string, string>();
  const codesUsed: string[] = [];

  const ok = (r: RunResult): RunResult => {
    assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
    return r;
  };

  before(async () => {
    sts = await startStsEmulator();
    alice = sts.createUser({ userName: 'alice' });
    const device = sts.addMfaDevice('alice');
    codes = mfaCodes(sts, device.secret);
    const admin = sts.createRole({ roleName: 'Admin', trustedPrincipals: [alice.arn], requireMfa: true });
    box = await sandbox({
      stsUrl: sts.url,
      config: `[profile base]\nregion = us-east-1\nmfa_serial = ${device.serial}\n\n[profile admin]\nsource_profile = base\nrole_arn = ${admin.arn}\n`,
      extraEnv: { CREDD_LOG_LEVEL: 'trace', CREDD_FEDERATION_ENDPOINT: sts.federationUrl },
    });
    ok(await box.credd(['add', 'base', '--env'], { env: { AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey } }));
    daemon = await startDaemonProcess(box.env);
    secrets.set('the long-term secret key', alice.secretAccessKey);
  });
  after(async () => {
    await daemon?.stop();
    await box?.cleanup();
    await sts?.close();
  });

  it('MFA via switch, a refused code, `credd mfa`, export, env and console: no secret and no MFA code in the log', { timeout: 90_000 }, async () => {
    const first = codes.fresh();
    codesUsed.push(first);
    ok(await box.credd(['switch', 'admin', '--mfa-code', first]));
    const raw = await new OsKeychainStore({ service: box.env['CREDD_KEYCHAIN_SERVICE'] ?? '' }).get(sessionItem('base'));
    const session = raw === undefined ? undefined : decodeSession(raw);
    assert.ok(session, 'the MFA session is in the keychain');
    secrets.set('the MFA session secret key', session.creds.secretAccessKey);
    secrets.set('the MFA session token', session.creds.sessionToken);

    ok(await box.credd(['clear']));
    const wrong = codes.wrong();
    codesUsed.push(wrong);
    assert.equal((await box.credd(['mfa', 'admin', '--mfa-code', wrong])).code, 1, 'a wrong code is refused');
    const second = codes.fresh();
    codesUsed.push(second);
    ok(await box.credd(['mfa', 'admin', '--mfa-code', second]));

    const exported = JSON.parse(ok(await box.credd(['export', 'admin'])).stdout) as { SecretAccessKey: string; SessionToken: string };
    secrets.set('the role secret key', exported.SecretAccessKey);
    secrets.set('the role session token', exported.SessionToken);
    const vars = parseExports(ok(await box.credd(['env'])).stdout);
    secrets.set('the auth token', vars['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '');
    const consoleUrl = ok(await box.credd(['console', 'admin'])).stdout;
    const signin = /SigninToken=([^&\s]+)/.exec(consoleUrl)?.[1];
    assert.ok(signin, consoleUrl);
    secrets.set('the console sign-in token', decodeURIComponent(signin));

    const served = await httpGet(`http://127.0.0.1:${daemon.port}/v1/credentials`, vars['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '');
    assert.equal(served.status, 200, served.body);
    // The daemon's log is written asynchronously: wait for the debug line of that request.
    for (const deadline = Date.now() + 20_000; !/"level":20,.*"msg":"request"/.test(daemon.logs()); ) {
      assert.ok(Date.now() < deadline, 'the daemon really logs below info');
      await new Promise((r) => setTimeout(r, 100));
    }
    const logs = daemon.logs();
    for (const [what, secret] of secrets) {
      assert.ok(secret.length >= 8, `${what} was read`);
      assert.ok(!logs.includes(secret), `${what} is in the daemon log`);
    }
    for (const code of codesUsed) assert.doesNotMatch(logs, new RegExp(`(?<![0-9])${code}(?![0-9])`), 'an MFA code is in the daemon log');
  });
});
