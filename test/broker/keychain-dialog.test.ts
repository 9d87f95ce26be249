import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { CredentialBroker } from '../../src/broker/credential-broker.js';
import { loadAwsConfig } from '../../src/config/aws-config.js';
import { resolveProfile } from '../../src/config/resolve-profile.js';
import { encodeKey } from '../../src/domain/stored-key.js';
import { GuardedStore } from '../../src/keychain/guarded-store.js';
import { OsKeychainStore } from '../../src/keychain/os-keychain-store.js';
import { systemClock } from '../../src/platform/clock.js';
import { silentLogger } from '../../src/platform/logger.js';
import { SdkStsGateway } from '../../src/aws/sdk-sts-gateway.js';
import { fakeKeychain, type FakeKeychain } from '../support/fake-keyring-helper.js';
import { withStsEmulator } from '../support/with-sts-emulator.js';

const SERVICE = 'credd-dialog';

describe('a keychain dialog in front of the daemon (fake macOS keychain helper)', () => {
  const rig = withStsEmulator('credd-dialog-');
  let fake: FakeKeychain;
  after(() => fake?.cleanup());

  it('answers every SDK request fast, shows one dialog, and after "Deny" never asks again until the user acts', async () => {
    const alice = rig.sts.createUser({ userName: 'alice' });
    const ro = rig.sts.createRole({ roleName: 'ReadOnly', trustedPrincipals: [alice.arn] });
    const configFile = path.join(rig.dir, 'config');
    await fs.writeFile(configFile, `[profile readonly]\nsource_profile = base\nrole_arn = ${ro.arn}\n`);
    fake = await fakeKeychain('dialog', { [`${SERVICE}/key:base`]: encodeKey({ accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey }) });
    const store = new GuardedStore(new OsKeychainStore({ service: SERVICE, platform: 'darwin', wsl: false, spawnHelper: fake.spawnHelper }));
    const env = { AWS_ENDPOINT_URL_STS: rig.sts.url, AWS_REGION: 'us-east-1' };
    const broker = new CredentialBroker({
      loadProfile: async (name) => resolveProfile(await loadAwsConfig(configFile), name, env),
      store,
      sts: new SdkStsGateway({ requestTimeoutMs: 2_000 }),
      clock: systemClock,
      logger: silentLogger(),
      roleSessionName: 'credd-test',
      coldWaitMs: 300,
    });
    try {
      // The dialog is up and nobody answers (it stays open all through this loop, so any answer at
      // all proves the request did not wait on it); the bound leaves room for a loaded machine.
      for (let i = 0; i < 5; i++) {
        const started = Date.now();
        const r = await broker.serve('readonly');
        assert.ok(!r.ok);
        assert.equal(r.error.code, 'Pending');
        assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
      }
      // The user clicks "Deny".
      await fake.setMode('deny');
      const denied = await waitForError(broker, 'KeychainLocked');
      assert.match(denied, /^Keychain locked or access denied: .* run: credd unlock$/);
      // A polling SDK for longer than the local re-check interval: fast 409s, no new dialog.
      const until = Date.now() + 3_000;
      while (Date.now() < until) {
        const r = await broker.serve('readonly');
        assert.ok(!r.ok && r.error.code === 'KeychainLocked');
        await new Promise((res) => setTimeout(res, 100));
      }
      assert.deepEqual(await fake.calls(), ['get key:base']);
      // `credd switch` (or `credd unlock`) is the user acting: one more question, now answered "Allow".
      await fake.setMode('allow');
      store.retry();
      const creds = await broker.switchTo('readonly');
      assert.match(creds.assumedRoleArn ?? '', /assumed-role\/ReadOnly\//);
      assert.deepEqual(await fake.calls(), ['get key:base', 'get key:base']);
    } finally {
      broker.close();
    }
  });
});

async function waitForError(broker: CredentialBroker, code: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const r = await broker.serve('readonly');
    if (!r.ok && r.error.code === code) return r.error.message;
    if (Date.now() > deadline) assert.fail(`no ${code} within 10 s (last: ${r.ok ? 'ok' : r.error.code})`);
    await new Promise((res) => setTimeout(res, 50));
  }
}
