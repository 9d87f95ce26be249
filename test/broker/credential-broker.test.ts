import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { CredentialBroker } from '../../src/broker/credential-broker.js';
import { loadAwsConfig } from '../../src/config/aws-config.js';
import { resolveProfile } from '../../src/config/resolve-profile.js';
import { encodeKey, keyItem } from '../../src/domain/stored-key.js';
import { MemoryStore } from '../../src/keychain/memory-store.js';
import { silentLogger } from '../../src/platform/logger.js';
import { SdkStsGateway } from '../../src/aws/sdk-sts-gateway.js';
import { ManualClock, waitFor } from '../support/manual-clock.js';
import { withStsEmulator } from '../support/with-sts-emulator.js';
import fs from 'node:fs/promises';
import path from 'node:path';

const MIN = 60_000;

describe('CredentialBroker against the STS emulator', () => {
  const rig = withStsEmulator('credd-broker-');

  async function setup(opts: { coldWaitMs?: number } = {}) {
    const configFile = path.join(rig.dir, 'config');
    const alice = rig.sts.createUser({ userName: `alice-${Math.random().toString(36).slice(2, 8)}` });
    const ro = rig.sts.createRole({ roleName: `ReadOnly-${alice.userName}`, trustedPrincipals: [alice.arn] });
    const deploy = rig.sts.createRole({ roleName: `Deploy-${alice.userName}`, trustedPrincipals: [ro.arn] });
    const other = rig.sts.createRole({ roleName: `Other-${alice.userName}`, trustedPrincipals: ['arn:aws:iam::999999999999:user/bob'] });
    await fs.writeFile(
      configFile,
      [
        `[profile readonly]\nsource_profile = base\nrole_arn = ${ro.arn}\n`,
        `[profile deploy]\nsource_profile = readonly\nrole_arn = ${deploy.arn}\n`,
        `[profile deploy-long]\nsource_profile = readonly\nrole_arn = ${deploy.arn}\nduration_seconds = 7200\n`,
        `[profile denied]\nsource_profile = base\nrole_arn = ${other.arn}\n`,
        `[profile orphan]\nsource_profile = nobody\nrole_arn = ${ro.arn}\n`,
      ].join('\n'),
    );
    const store = new MemoryStore();
    await store.set(keyItem('base'), encodeKey({ accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey }));
    const clock = new ManualClock(rig.sts.now());
    const env = { AWS_ENDPOINT_URL_STS: rig.sts.url, AWS_REGION: 'us-east-1' };
    const broker = new CredentialBroker({
      loadProfile: async (name) => resolveProfile(await loadAwsConfig(configFile), name, env),
      store,
      sts: new SdkStsGateway({ requestTimeoutMs: 2_000 }),
      clock,
      logger: silentLogger(),
      roleSessionName: 'credd-test',
      random: () => 0.5,
      ...(opts.coldWaitMs !== undefined && { coldWaitMs: opts.coldWaitMs }),
    });
    /** Moves both the broker's and the emulator's clocks, then lets any STS call it started finish. */
    const advance = async (ms: number) => {
      rig.sts.advance(ms);
      await clock.advance(ms);
      await waitFor(() => broker.view().profiles.every((p) => !p.refreshing), 5_000, 'refresh to finish');
    };
    return { broker, store, clock, advance, ro, deploy };
  }

  beforeEach(() => {
    rig.sts.setFault(null);
    rig.sts.resetCounts();
  });

  it('shares one AssumeRole among many concurrent cold requests', async () => {
    const { broker, ro } = await setup({ coldWaitMs: 5_000 });
    const results = await Promise.all(Array.from({ length: 50 }, () => broker.serve('readonly')));
    assert.ok(results.every((r) => r.ok));
    assert.equal(rig.sts.counts['AssumeRole'], 1);
    const first = results[0];
    assert.ok(first?.ok);
    assert.match(first.creds.assumedRoleArn ?? '', new RegExp(`assumed-role/${ro.roleName}/credd-test$`));
    broker.close();
  });

  it('serves from cache without calling STS, and refreshes ahead of expiry in the background', async () => {
    const { broker, advance } = await setup();
    await broker.switchTo('readonly');
    const firstKey = (await broker.serve()).ok;
    assert.ok(firstKey);
    for (let i = 0; i < 100; i++) assert.ok((await broker.serve()).ok);
    assert.equal(rig.sts.counts['AssumeRole'], 1);
    const before = broker.view().stats.waitedOnSts;
    // One-hour credentials are renewed 30 min before they end, long before any client would.
    await advance(29 * MIN);
    assert.equal(rig.sts.counts['AssumeRole'], 1);
    await advance(2 * MIN);
    assert.equal(rig.sts.counts['AssumeRole'], 2);
    // Hours of steady use: every request answered from cache, none waited on STS.
    for (let i = 0; i < 12; i++) {
      await advance(10 * MIN);
      const r = await broker.serve();
      assert.ok(r.ok);
      assert.ok(r.creds.expiration.getTime() - rig.sts.now() > 20 * MIN, 'never hands out credentials with < 20 min left');
    }
    assert.equal(broker.view().stats.waitedOnSts, before);
    broker.close();
  });

  it('keeps serving valid credentials while STS is down, then refuses once they are too close to expiry', async () => {
    const { broker, advance } = await setup();
    await broker.switchTo('readonly');
    rig.sts.setFault({ kind: 'server-error' });
    await advance(45 * MIN);
    const stillValid = await broker.serve();
    assert.ok(stillValid.ok, 'valid credentials keep flowing during an outage');
    await advance(15 * MIN);
    const expired = await broker.serve();
    assert.ok(!expired.ok);
    assert.match(expired.error.message, /Profile "readonly": STS/);
    broker.close();
  });

  it('role → role chains reuse the source role and honour the one-hour chaining cap', async () => {
    const { broker, deploy } = await setup();
    const creds = await broker.switchTo('deploy');
    assert.match(creds.assumedRoleArn ?? '', new RegExp(`assumed-role/${deploy.roleName}/`));
    assert.equal(rig.sts.counts['AssumeRole'], 2);
    await assert.rejects(broker.switchTo('deploy-long'), /duration_seconds 7200 is over 3600/);
    broker.close();
  });

  it('turns STS refusals and missing keys into one sentence naming the profile', async () => {
    const { broker, store } = await setup();
    await assert.rejects(broker.switchTo('denied'), (err: Error) => /^Profile "denied": STS denied access/.test(err.message));
    await assert.rejects(broker.switchTo('orphan'), /Profile "nobody" has no access key in credd .*credd add nobody/);
    await store.delete(keyItem('base'));
    await assert.rejects(broker.switchTo('readonly'), /Profile "base" has no access key in credd .*run: credd add base/);
    const served = await broker.serve('readonly');
    assert.ok(!served.ok);
    assert.equal(served.error.code, 'NoKey');
    broker.close();
  });

  it('never serves credentials cached for an older definition: a new source_profile re-fetches, an added mfa_serial needs the code first', async () => {
    const { broker, store, ro } = await setup();
    const configFile = path.join(rig.dir, 'config');
    const config = await fs.readFile(configFile, 'utf8');
    const first = await broker.serve('readonly');
    assert.ok(first.ok);
    assert.ok((await broker.serve('readonly')).ok);
    assert.equal(rig.sts.counts['AssumeRole'], 1, 'cached while the definition stays');
    // Same key under another name: the role is the same, the source is not.
    const key = await store.get(keyItem('base'));
    assert.ok(key !== undefined);
    await store.set(keyItem('base2'), key);
    await fs.writeFile(configFile, config.replace(`source_profile = base\nrole_arn = ${ro.arn}`, `source_profile = base2\nrole_arn = ${ro.arn}`));
    const moved = await broker.serve('readonly');
    assert.ok(moved.ok);
    assert.equal(rig.sts.counts['AssumeRole'], 2, 'a new source_profile is a new definition');
    assert.notEqual(moved.creds.accessKeyId, first.creds.accessKeyId);
    await fs.writeFile(configFile, config.replace(`role_arn = ${ro.arn}\n`, `role_arn = ${ro.arn}\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n`));
    const mfa = await broker.serve('readonly');
    assert.ok(!mfa.ok, 'the cached credentials were served for a definition that now needs MFA');
    assert.match(mfa.error.message, /MFA/);
    assert.equal(rig.sts.counts['AssumeRole'], 2);
    broker.close();
  });

  it('answers a cold request with a fast Pending when STS is slow; the fetch still completes', async () => {
    const { broker, clock } = await setup({ coldWaitMs: 200 });
    rig.sts.setFault({ kind: 'slow', ms: 600 });
    const pending = broker.serve('readonly');
    await clock.advance(250);
    const r = await pending;
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'Pending');
    // The slow STS answers after 600 ms of real time; wait for the state, not for a guess at it.
    await waitFor(() => broker.view().profiles.find((p) => p.name === 'readonly')?.freshness === 'fresh', 10_000, 'the slow fetch to complete');
    assert.ok((await broker.serve('readonly')).ok);
    broker.close();
  });
});
