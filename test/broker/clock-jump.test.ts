import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CredentialBroker } from '../../src/broker/credential-broker.js';
import { loadAwsConfig } from '../../src/config/aws-config.js';
import { resolveProfile } from '../../src/config/resolve-profile.js';
import type { Clock, TimerHandle } from '../../src/domain/ports.js';
import { encodeKey, keyItem } from '../../src/domain/stored-key.js';
import { MemoryStore } from '../../src/keychain/memory-store.js';
import { silentLogger } from '../../src/platform/logger.js';
import { SdkStsGateway } from '../../src/aws/sdk-sts-gateway.js';
import { ManualClock, waitFor } from '../support/manual-clock.js';
import { withStsEmulator } from '../support/with-sts-emulator.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

/**
 * A machine that sleeps: timers and the monotonic clock run on `mono` (they stop during
 * suspend), while the wall clock can jump ahead by the length of the sleep.
 */
class SleepingClock implements Clock {
  readonly mono: ManualClock;
  #slept = 0;
  readonly #timers = new Set<TimerHandle>();
  constructor(start: number) {
    this.mono = new ManualClock(start);
  }
  now(): number {
    return this.mono.now() + this.#slept;
  }
  monotonic(): number {
    return this.mono.now();
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle = this.mono.setTimeout(() => {
      this.#timers.delete(handle);
      fn();
    }, ms);
    this.#timers.add(handle);
    return handle;
  }
  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle);
    this.mono.clearTimeout(handle);
  }
  /** Cancels every pending timer: the broker's retry timers are the only ones this test sets. */
  clearAllTimers(): void {
    for (const handle of this.#timers) this.clearTimeout(handle);
  }
  sleep(ms: number): void {
    this.#slept += ms;
  }
}

describe('sleep and wake (an injected clock that jumps 10 h)', () => {
  const rig = withStsEmulator('credd-sleep-');

  async function setup() {
    const alice = rig.sts.createUser({ userName: `alice-${Math.random().toString(36).slice(2, 8)}` });
    const ro = rig.sts.createRole({ roleName: `ReadOnly-${alice.userName}`, trustedPrincipals: [alice.arn] });
    const configFile = path.join(rig.dir, `config-${alice.userName}`);
    await fs.writeFile(configFile, `[profile readonly]\nsource_profile = base\nrole_arn = ${ro.arn}\n`);
    const store = new MemoryStore([[keyItem('base'), encodeKey({ accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey })]]);
    const clock = new SleepingClock(rig.sts.now());
    const env = { AWS_ENDPOINT_URL_STS: rig.sts.url, AWS_REGION: 'us-east-1' };
    const broker = new CredentialBroker({
      loadProfile: async (name) => resolveProfile(await loadAwsConfig(configFile), name, env),
      store,
      sts: new SdkStsGateway({ requestTimeoutMs: 2_000 }),
      clock,
      logger: silentLogger(),
      roleSessionName: 'credd-test',
      random: () => 0.5,
      coldWaitMs: 5_000,
    });
    const sleep = (ms: number) => {
      rig.sts.advance(ms);
      clock.sleep(ms);
    };
    const idle = () => waitFor(() => broker.view().profiles.every((p) => !p.refreshing), 5_000, 'refresh to finish');
    return { broker, clock, sleep, idle };
  }

  it('refreshes at once on the first tick after a long sleep, so the next request is served from cache', async () => {
    const { broker, sleep, idle } = await setup();
    await broker.switchTo('readonly');
    rig.sts.resetCounts();
    sleep(10 * HOUR);
    // The notice timer's tick (no request yet): the jump is seen and the refresh starts now.
    broker.checkClock();
    await idle();
    assert.equal(rig.sts.counts['AssumeRole'], 1);
    const waited = broker.view().stats.waitedOnSts;
    const r = await broker.serve();
    assert.ok(r.ok);
    assert.ok(r.creds.expiration.getTime() - rig.sts.now() > 50 * MIN, 'fresh credentials, not the ones from before the sleep');
    assert.equal(broker.view().stats.waitedOnSts, waited, 'no cold path');
    broker.close();
  });

  it('drops the backoff of errors from before the sleep: the first request waits on a refresh instead of getting a stale error', async () => {
    const { broker, clock, sleep, idle } = await setup();
    await broker.switchTo('readonly');
    // The network went away before the lid closed: refreshes failed and backoff grew.
    rig.sts.setFault({ kind: 'server-error' });
    await clock.mono.advance(31 * MIN);
    await idle();
    for (let i = 0; i < 6; i++) {
      const slot = broker.view().profiles.find((p) => p.name === 'readonly');
      await clock.mono.advance(Math.max(0, (slot?.nextAttemptAt ?? clock.now()) - clock.now()) + 1);
      await idle();
    }
    const slot = broker.view().profiles.find((p) => p.name === 'readonly');
    assert.ok(slot?.lastError && slot.nextAttemptAt !== undefined, 'in backoff');
    assert.ok(slot.failures >= 5, `failures: ${slot.failures}`);
    // 10 h asleep; the network is back on wake.
    rig.sts.setFault(null);
    rig.sts.resetCounts();
    sleep(10 * HOUR);
    const r = await broker.serve();
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    assert.equal(rig.sts.counts['AssumeRole'], 1);
    const after = broker.view().profiles.find((p) => p.name === 'readonly');
    assert.equal(after?.failures, 0);
    assert.equal(after?.nextAttemptAt, undefined);
    broker.close();
  });

  it('a passed backoff deadline is not a reason to answer with the old error (no clock jump needed)', async () => {
    const { broker, clock, idle } = await setup();
    rig.sts.setFault({ kind: 'server-error' });
    const first = await broker.serve('readonly');
    assert.ok(!first.ok);
    await idle();
    const slot = broker.view().profiles.find((p) => p.name === 'readonly');
    assert.ok(slot?.nextAttemptAt !== undefined);
    rig.sts.setFault(null);
    // The retry timer is late (timers stop during suspend), but the deadline has passed by the wall clock.
    const late = slot.nextAttemptAt - clock.now() + 1;
    // Past the backoff deadline and the 2 s local re-check, yet far below what counts as a jump.
    clock.sleep(late + 2_000);
    clock.clearAllTimers();
    const r = await broker.serve('readonly');
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    broker.close();
  });
});
