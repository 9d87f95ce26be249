// The broker's freshness promises on an injected clock and a fake STS: what it hands to
// `export`, `exec`, credential_process and `switch` (ensure), refresh-ahead, the hard margin.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CredentialBroker } from '../../src/broker/credential-broker.js';
import type { Profile } from '../../src/domain/profile.js';
import { encodeKey, keyItem } from '../../src/domain/stored-key.js';
import { MemoryStore } from '../../src/keychain/memory-store.js';
import { silentLogger } from '../../src/platform/logger.js';
import { FakeStsGateway } from '../support/fake-sts-gateway.js';
import { ManualClock, settle } from '../support/manual-clock.js';

const MIN = 60_000;
const BASE: Profile = { kind: 'keychain', name: 'base', region: 'us-east-1', inConfig: true };
const ROLE: Profile = { kind: 'role', name: 'readonly', region: 'us-east-1', roleArn: 'arn:aws:iam::123456789012:role/ReadOnly', source: BASE };

async function setup(lifetimeMs = 60 * MIN) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const sts = new FakeStsGateway(clock);
  sts.lifetimeMs = lifetimeMs;
  const store = new MemoryStore();
  await store.set(keyItem('base'), encodeKey({ accessKeyId: 'AKIAFAKE000000000001', secretAccessKey: 'a'.repeat(40) }));
  const broker = new CredentialBroker({
    loadProfile: async (name) => {
      if (name === 'readonly') return ROLE;
      if (name === 'base') return BASE;
      throw new Error(`no profile ${name}`);
    },
    store, sts, clock, logger: silentLogger(), roleSessionName: 'credd-test', random: () => 0.5,
  });
  return { broker, sts, clock };
}

describe('broker freshness (fake STS, manual clock)', () => {
  it('ensure() never hands out stale credentials: inside the 20 min minimum-serve window it fetches new ones', async () => {
    const { broker, sts, clock } = await setup();
    const first = await broker.ensure('readonly');
    // No background refresh may rescue this: fail it, so only ensure() itself can fetch.
    sts.failWith = new Error('refresh-ahead must not be what saves this test');
    await clock.advance(30 * MIN + 1);
    sts.failWith = undefined;
    assert.equal(broker.view().profiles.find((p) => p.name === 'readonly')?.freshness, 'aging');
    assert.equal((await broker.ensure('readonly')).accessKeyId, first.accessKeyId, 'aging credentials are still handed out');
    await clock.advance(10 * MIN);
    assert.equal(broker.view().profiles.find((p) => p.name === 'readonly')?.freshness, 'stale', '19:59 left');
    const calls = sts.count('AssumeRole');
    const next = await broker.ensure('readonly');
    assert.notEqual(next.accessKeyId, first.accessKeyId, 'stale credentials were handed out');
    assert.equal(sts.count('AssumeRole'), calls + 1);
    assert.ok(next.expiration.getTime() - clock.now() >= 20 * MIN);
    for (const via of [(p: string) => broker.prime(p), (p: string) => broker.switchTo(p)]) {
      assert.equal((await via('readonly')).accessKeyId, next.accessKeyId, 'prime (export, exec, credential_process) and switch hand out the fresh ones');
    }
    broker.close();
  });

  it('refresh-ahead: with no request at all, the active profile is refreshed when 30 min are left', async () => {
    const { broker, sts, clock } = await setup();
    const first = await broker.switchTo('readonly');
    // random() = 0.5 puts 2.5 s of jitter on the timer.
    await clock.advance(30 * MIN + 2_500 - 1);
    assert.equal(sts.count('AssumeRole'), 1, 'not before it is due');
    await clock.advance(2);
    assert.equal(sts.count('AssumeRole'), 2, 'the refresh ran on its own when due');
    const served = await broker.serve('readonly');
    assert.ok(served.ok);
    assert.notEqual(served.creds.accessKeyId, first.accessKeyId, 'requests get the refreshed credentials');
    assert.equal(sts.count('AssumeRole'), 2, 'served from cache');
    broker.close();
  });

  it('hard margin: credentials with 60 s or less left are never served, even when nothing else is cached', async () => {
    // 150 s credentials: refresh-ahead is due at 75 s left; hold that refresh so the old ones stay cached.
    const { broker, sts, clock } = await setup(150_000);
    const first = await broker.switchTo('readonly');
    sts.hold();
    await clock.advance(89_000);
    assert.equal(sts.count('AssumeRole'), 2, 'the refresh-ahead started (and hangs)');
    const old = await broker.serve('readonly');
    assert.ok(old.ok && old.creds.accessKeyId === first.accessKeyId, '61 s left: still served while the refresh runs');
    await clock.advance(1_000);
    assert.equal(broker.view().profiles.find((p) => p.name === 'readonly')?.freshness, 'expired', '60 s left');
    const waiting = broker.serve('readonly');
    await settle();
    await clock.advance(700);
    const refused = await waiting;
    assert.equal(refused.ok, false, 'within the hard margin the old credentials are not served');
    assert.equal(refused.ok === false && refused.error.code, 'Pending', 'a fast "try again" instead');
    sts.release();
    await settle();
    const fresh = await broker.serve('readonly');
    assert.ok(fresh.ok && fresh.creds.accessKeyId !== first.accessKeyId);
    broker.close();
  });
});
