/**
 * Issue 14, item 2: at login the daemon does not read the macOS keychain before the user did
 * anything (after a node upgrade that read is a dialog nobody asked for); the first request or
 * `credd switch` reads it. Elsewhere the active profile is warmed at start-up as before.
 * The keychain is the fake macOS helper (test/support/fake-keyring-helper.ts).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SdkStsGateway } from '../../src/aws/sdk-sts-gateway.js';
import { CredentialBroker } from '../../src/broker/credential-broker.js';
import { loadAwsConfig } from '../../src/config/aws-config.js';
import { resolveProfile } from '../../src/config/resolve-profile.js';
import { daemonStoreFromEnv, readsStoreAtStart } from '../../src/daemon/store-from-env.js';
import { encodeKey } from '../../src/domain/stored-key.js';
import { GuardedStore } from '../../src/keychain/guarded-store.js';
import { OsKeychainStore } from '../../src/keychain/os-keychain-store.js';
import { systemClock } from '../../src/platform/clock.js';
import { silentLogger } from '../../src/platform/logger.js';
import { creddPaths } from '../../src/platform/paths.js';
import { fakeKeychain, type FakeKeychain } from '../support/fake-keyring-helper.js';
import { startStsEmulator, type StsEmulator } from '../support/sts-emulator.js';

const SERVICE = 'credd-start';

describe('the keychain read at daemon start-up', () => {
  let sts: StsEmulator;
  let dir: string;
  const fakes: FakeKeychain[] = [];
  before(async () => {
    sts = await startStsEmulator();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-start-'));
  });
  after(async () => {
    await sts.close();
    for (const f of fakes) await f.cleanup();
    await fs.rm(dir, { recursive: true, force: true });
  });

  /** A broker over the fake keychain playing PLATFORM, with "readonly" active from an earlier run. */
  async function restarted(platform: NodeJS.Platform) {
    const alice = sts.createUser({ userName: `alice-${platform}` });
    const ro = sts.createRole({ roleName: `ReadOnly-${platform}`, trustedPrincipals: [alice.arn] });
    const configFile = path.join(dir, `config-${platform}`);
    await fs.writeFile(configFile, `[profile readonly]\nsource_profile = base\nrole_arn = ${ro.arn}\n`);
    const fake = await fakeKeychain('allow', { [`${SERVICE}/key:base`]: encodeKey({ accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey }) });
    fakes.push(fake);
    const store = new GuardedStore(new OsKeychainStore({ service: SERVICE, platform, wsl: false, spawnHelper: fake.spawnHelper }));
    const env = { AWS_ENDPOINT_URL_STS: sts.url, AWS_REGION: 'us-east-1' };
    const broker = new CredentialBroker({
      loadProfile: async (name) => resolveProfile(await loadAwsConfig(configFile), name, env),
      store,
      sts: new SdkStsGateway({ requestTimeoutMs: 2_000 }),
      clock: systemClock,
      logger: silentLogger(),
      roleSessionName: 'credd-test',
      coldWaitMs: 5_000,
    });
    broker.restoreActive('readonly', readsStoreAtStart(platform, store));
    return { broker, fake };
  }

  it('macOS keychain: nothing is read at start-up; the first request reads the key once', async () => {
    const { broker, fake } = await restarted('darwin');
    try {
      // Long enough for a warm-up read to have reached the helper (the Linux case below needs far less).
      await new Promise((r) => setTimeout(r, 1_500));
      assert.deepEqual(await fake.calls(), [], 'the daemon asked the keychain before anyone used credd');
      const r = await broker.serve();
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      assert.deepEqual(await fake.calls(), ['get key:base']);
    } finally {
      broker.close();
    }
  });

  it('Linux keychain: the active profile is warmed at start-up, so the first request is served from cache', async () => {
    const { broker, fake } = await restarted('linux');
    try {
      const deadline = Date.now() + 20_000;
      while (!broker.view().profiles.some((p) => p.name === 'readonly' && p.freshness === 'fresh' && !p.refreshing)) {
        assert.ok(Date.now() < deadline, 'no warm-up within 20 s');
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual(await fake.calls(), ['get key:base']);
      const waited = broker.view().stats.waitedOnSts;
      assert.ok((await broker.serve()).ok);
      assert.equal(broker.view().stats.waitedOnSts, waited, 'no cold path');
    } finally {
      broker.close();
    }
  });

  it('the choice: only the macOS keychain waits; a file store (which reads nothing until unlocked) and other platforms warm up', () => {
    const keychain = new GuardedStore(new OsKeychainStore({ service: SERVICE, platform: 'darwin', wsl: false }));
    const file = daemonStoreFromEnv(creddPaths(path.join(dir, 'home')), { CREDD_STORE: 'file' }, { warn: () => undefined, onChange: () => undefined, clock: systemClock });
    assert.equal(readsStoreAtStart('darwin', keychain), false);
    assert.equal(readsStoreAtStart('darwin', file), true);
    assert.equal(readsStoreAtStart('linux', keychain), true);
    assert.equal(readsStoreAtStart('win32', keychain), true);
  });
});
