import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { CredentialBroker } from '../../src/broker/credential-broker.js';
import { loadAwsConfig } from '../../src/config/aws-config.js';
import { resolveProfile } from '../../src/config/resolve-profile.js';
import { encodeKey, keyItem } from '../../src/domain/stored-key.js';
import { sessionItem } from '../../src/domain/stored-session.js';
import { MemoryStore } from '../../src/keychain/memory-store.js';
import { silentLogger } from '../../src/platform/logger.js';
import { runCommand } from '../../src/platform/run-command.js';
import { SdkStsGateway } from '../../src/aws/sdk-sts-gateway.js';
import { ROOT } from '../support/cli-harness.js';
import { ManualClock } from '../support/manual-clock.js';
import { withStsEmulator } from '../support/with-sts-emulator.js';

const HOUR = 3_600_000;

describe('MFA sessions against the STS emulator', () => {
  const rig = withStsEmulator('credd-mfa-');
  beforeEach(() => {
    rig.sts.setFault(null);
    rig.sts.resetCounts();
  });

  let n = 0;
  async function world(opts: { mfaProcess?: boolean } = {}) {
    n++;
    const user = rig.sts.createUser({ userName: `alice${n}` });
    const device = rig.sts.addMfaDevice(user.userName);
    const admin = rig.sts.createRole({ roleName: `Admin${n}`, trustedPrincipals: [user.arn], requireMfa: true });
    const ro = rig.sts.createRole({ roleName: `ReadOnly${n}`, trustedPrincipals: [user.arn], requireMfa: true });
    const configFile = path.join(rig.dir, `config${n}`);
    const mfaProcess = opts.mfaProcess ? `mfa_process = ${process.execPath} ${path.join(ROOT, 'test/support/print-totp.mjs')} ${device.secret} ${rig.sts.now() - Date.now()}\n` : '';
    await fs.writeFile(
      configFile,
      `[profile base]\nmfa_serial = ${device.serial}\n${mfaProcess}\n[profile admin]\nsource_profile = base\nrole_arn = ${admin.arn}\n\n` +
        `[profile readonly]\nsource_profile = base\nrole_arn = ${ro.arn}\n\n[profile long]\nsource_profile = base\nrole_arn = ${admin.arn}\nduration_seconds = 7200\n`,
    );
    const store = new MemoryStore();
    await store.set(keyItem('base'), encodeKey({ accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey }));
    const env = { AWS_ENDPOINT_URL_STS: rig.sts.url };
    const makeBroker = (clock = new ManualClock(rig.sts.now())) =>
      new CredentialBroker({
        loadProfile: async (name) => resolveProfile(await loadAwsConfig(configFile), name, env),
        store,
        sts: new SdkStsGateway({ requestTimeoutMs: 2_000 }),
        clock,
        logger: silentLogger(),
        roleSessionName: 'credd-test',
        runCommand,
      });
    return { device, store, makeBroker, admin };
  }

  it('answers a fast MfaRequired without calling STS, then one code serves every role of the user', async () => {
    const { device, makeBroker, admin } = await world();
    const broker = makeBroker();
    const served = await broker.serve('admin');
    assert.ok(!served.ok);
    assert.equal(served.error.code, 'MfaRequired');
    assert.equal(served.error.details?.['serial'], device.serial);
    assert.match(served.error.message, /run: credd switch admin/);
    assert.equal(rig.sts.calls.length, 0, 'no STS call while waiting for a human');
    assert.equal(broker.view().mfa.find((m) => m.user === 'base')?.needed?.forProfile, 'admin');
    const waiting = () => broker.view().profiles.find((p) => p.name === 'admin')?.waitingFor;
    assert.equal(waiting(), 'mfa');

    const login = await broker.mfaLogin('admin', rig.sts.totp(device.serial));
    assert.equal(waiting(), undefined, 'the code ends the wait before the profile is fetched again');
    assert.equal(login.sourceProfile, 'base');
    assert.ok(login.expiration.getTime() - rig.sts.now() > 11 * HOUR, 'default session is a workday (12 h)');
    const creds = await broker.switchTo('admin');
    assert.match(creds.assumedRoleArn ?? '', new RegExp(`assumed-role/${admin.roleName}/`));
    await broker.switchTo('readonly');
    await broker.switchTo('admin');
    assert.equal(rig.sts.counts['GetSessionToken'], 1);
    assert.equal(broker.view().mfa.filter((m) => m.needed).length, 0);
    broker.close();
  });

  it('never sends a code twice, and concurrent logins share one GetSessionToken', async () => {
    const { device, makeBroker } = await world();
    const broker = makeBroker();
    const code = rig.sts.totp(device.serial);
    const both = await Promise.all([broker.mfaLogin('admin', code), broker.mfaLogin('readonly', code)]);
    assert.equal(both[0].expiration.getTime(), both[1].expiration.getTime());
    assert.equal(rig.sts.counts['GetSessionToken'], 1);
    // The same code again (a second terminal, a little later): the session it started serves it.
    const again = await broker.mfaLogin('admin', code);
    assert.equal(again.expiration.getTime(), both[0].expiration.getTime());
    assert.equal(rig.sts.counts['GetSessionToken'], 1, 'the repeated code never reached STS');
    // Once that session is gone, the used code is refused locally, still without reaching STS.
    await broker.clear('admin');
    await assert.rejects(broker.mfaLogin('admin', code), /already used/);
    assert.equal(rig.sts.counts['GetSessionToken'], 1);
    broker.close();
  });

  it('refuses a wrong code with a clear error', async () => {
    const { device, makeBroker } = await world();
    const broker = makeBroker();
    const right = rig.sts.totp(device.serial);
    const wrong = right === '000000' ? '111111' : '000000';
    await assert.rejects(broker.mfaLogin('admin', wrong), (err: Error & { code?: string }) => err.code === 'StsMfaInvalid' && /MFA code/.test(err.message));
    broker.close();
  });

  it('keeps the session in the store across a restart, and drops it when it has ended', async () => {
    const { device, store, makeBroker } = await world();
    const first = makeBroker();
    await first.mfaLogin('admin', rig.sts.totp(device.serial));
    first.close();
    assert.ok(await store.get(sessionItem('base')));
    const second = makeBroker();
    await second.switchTo('admin');
    assert.equal(rig.sts.counts['GetSessionToken'], 1, 'no new code after a restart');
    second.close();

    rig.sts.advance(13 * HOUR);
    const third = makeBroker(new ManualClock(rig.sts.now()));
    const r = await third.serve('admin');
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'MfaRequired');
    assert.equal(await store.get(sessionItem('base')), undefined, 'the ended session was removed from the store');
    third.close();
  });

  it('drops a session STS no longer accepts and asks for a new code', async () => {
    const { device, store, makeBroker } = await world();
    const broker = makeBroker();
    await broker.mfaLogin('admin', rig.sts.totp(device.serial));
    const session = JSON.parse((await store.get(sessionItem('base'))) ?? '{}') as { accessKeyId: string };
    rig.sts.deactivateKey(session.accessKeyId);
    await assert.rejects(broker.switchTo('admin'), (err: Error & { code?: string }) => err.code === 'MfaRequired' && /no longer accepts the MFA session/.test(err.message));
    assert.equal(await store.get(sessionItem('base')), undefined);
    broker.close();
  });

  it('refuses duration_seconds over an hour through an MFA session, naming the profile', async () => {
    const { device, makeBroker } = await world();
    const broker = makeBroker();
    await broker.mfaLogin('admin', rig.sts.totp(device.serial));
    await assert.rejects(broker.switchTo('long'), /Profile "long": duration_seconds 7200 is over 3600, the most AWS allows for a role assumed through an MFA session/);
    broker.close();
  });

  it('renews with mfa_process without any human', async () => {
    const { makeBroker } = await world({ mfaProcess: true });
    const broker = makeBroker();
    const creds = await broker.switchTo('admin');
    assert.ok(creds.sessionToken.length > 0);
    assert.equal(rig.sts.counts['GetSessionToken'], 1);
    broker.close();
  });

  it('`clear` forgets the MFA session so the next use asks again', async () => {
    const { device, store, makeBroker } = await world();
    const broker = makeBroker();
    await broker.mfaLogin('admin', rig.sts.totp(device.serial));
    await broker.switchTo('admin');
    await broker.clear('admin');
    assert.equal(await store.get(sessionItem('base')), undefined);
    const r = await broker.serve('admin');
    assert.ok(!r.ok && r.error.code === 'MfaRequired');
    broker.close();
  });
});
