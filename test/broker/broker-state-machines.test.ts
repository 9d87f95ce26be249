// The broker's and the MFA sessions' state machines in milliseconds: a fake STS (fails,
// throttles, holds calls) and a clock that moves only when told. Only the broker's public API
// is used: serve (the request path), ensure/prime/switchTo, mfaLogin, view.
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
const SERIAL = 'arn:aws:iam::123456789012:mfa/alice';
const BASE: Profile = { kind: 'keychain', name: 'base', region: 'us-east-1', inConfig: true };
const MFA_BASE: Profile = { ...BASE, name: 'mfabase', mfaSerial: SERIAL };
const ROLE: Profile = { kind: 'role', name: 'readonly', region: 'us-east-1', roleArn: 'arn:aws:iam::123456789012:role/ReadOnly', source: BASE };
const MFA_ROLE: Profile = { kind: 'role', name: 'admin', region: 'us-east-1', roleArn: 'arn:aws:iam::123456789012:role/Admin', source: MFA_BASE };
const PROFILES = new Map([BASE, MFA_BASE, ROLE, MFA_ROLE].map((p) => [p.name, p]));

async function setup() {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const sts = new FakeStsGateway(clock);
  const store = new MemoryStore();
  for (const user of ['base', 'mfabase']) await store.set(keyItem(user), encodeKey({ accessKeyId: 'AKIAFAKE000000000001', secretAccessKey: 'a'.repeat(40) }));
  const broker = new CredentialBroker({
    loadProfile: async (name) => {
      const p = PROFILES.get(name);
      if (!p) throw new Error(`no profile ${name}`);
      return p;
    },
    store, sts, clock, logger: silentLogger(), roleSessionName: 'credd-test',
    // No jitter surprises: backoff is exactly 3/4 of its ceiling, refresh-ahead jitter 2.5 s.
    random: () => 0.5,
  });
  const view = (name: string) => broker.view().profiles.find((p) => p.name === name);
  return { broker, sts, clock, view };
}

describe('broker state machines (fake STS, manual clock)', () => {
  it('backs off after STS failures: requests get the error at once, retries come at 1.5 s, 3 s, 6 s, then it serves', async () => {
    const { broker, sts, clock, view } = await setup();
    sts.throttle(3);
    const first = await broker.serve('readonly');
    assert.equal(first.ok === false && first.error.code, 'StsThrottling');
    assert.equal(sts.count('AssumeRole'), 1);
    // While backing off, requests are answered from the last error without calling STS.
    for (let i = 0; i < 5; i++) {
      const again = await broker.serve('readonly');
      assert.equal(again.ok === false && again.error.code, 'StsThrottling');
    }
    assert.equal(sts.count('AssumeRole'), 1, 'no STS call while backing off');
    assert.equal(view('readonly')?.nextAttemptAt, clock.now() + 1_500);
    for (const [wait, calls] of [[1_500, 2], [3_000, 3], [6_000, 4]] as const) {
      await clock.advance(wait - 1);
      assert.equal(sts.count('AssumeRole'), calls - 1, `not before ${wait} ms`);
      await clock.advance(1);
      assert.equal(sts.count('AssumeRole'), calls, `the retry after ${wait} ms`);
    }
    assert.equal(view('readonly')?.failures, 0, 'the fourth call succeeded');
    const served = await broker.serve('readonly');
    assert.ok(served.ok, 'served once STS answers');
    assert.equal(sts.count('AssumeRole'), 4);
    broker.close();
  });

  it('a failing refresh-ahead keeps serving the cached credentials and retries on backoff', async () => {
    const { broker, sts, clock, view } = await setup();
    const creds = await broker.switchTo('readonly');
    sts.throttle(2);
    // Refresh-ahead is due with 30 min left (+2.5 s jitter).
    await clock.advance(30 * MIN + 2_500);
    assert.equal(sts.count('AssumeRole'), 2, 'refresh-ahead ran and failed');
    assert.equal(view('readonly')?.failures, 1);
    const served = await broker.serve('readonly');
    assert.ok(served.ok && served.creds.accessKeyId === creds.accessKeyId, 'the cached credentials are still served');
    await clock.advance(1_500);
    assert.equal(sts.count('AssumeRole'), 3, 'first retry after 1.5 s (fails too)');
    await clock.advance(3_000);
    assert.equal(sts.count('AssumeRole'), 4, 'second retry after 3 s succeeds');
    const fresh = await broker.serve('readonly');
    assert.ok(fresh.ok && fresh.creds.accessKeyId !== creds.accessKeyId, 'then the new ones are served');
    assert.equal(view('readonly')?.failures, 0);
    broker.close();
  });

  it('single-flight: many concurrent askers of a cold profile share one AssumeRole', async () => {
    const { broker, sts, clock } = await setup();
    sts.hold();
    const asks = [
      ...Array.from({ length: 20 }, () => broker.serve('readonly')),
      ...Array.from({ length: 5 }, () => broker.ensure('readonly').then((creds) => ({ ok: true as const, creds }))),
      broker.prime('readonly').then((creds) => ({ ok: true as const, creds })),
    ];
    await settle();
    assert.equal(sts.count('AssumeRole'), 1, 'one call while it is held');
    sts.release();
    const results = await Promise.all(asks);
    assert.equal(sts.count('AssumeRole'), 1);
    const ids = new Set(results.map((r) => (r.ok ? r.creds.accessKeyId : `error ${r.error.code}`)));
    assert.deepEqual([...ids], ['ASIAFAKE000000000001'], 'everyone got the same credentials');
    assert.equal(clock.pending() > 0, true, 'a refresh-ahead timer is set');
    broker.close();
  });

  it('a cold request on a held STS call gets a fast Pending after 700 ms, and the call still lands', async () => {
    const { broker, sts, clock } = await setup();
    sts.hold();
    const waiting = broker.serve('readonly');
    await settle();
    await clock.advance(700);
    const pending = await waiting;
    assert.equal(pending.ok === false && pending.error.code, 'Pending');
    sts.release();
    await settle();
    const served = await broker.serve('readonly');
    assert.ok(served.ok);
    assert.equal(sts.count('AssumeRole'), 1, 'the one call served both');
    broker.close();
  });

  it('MFA: no code, no STS call; one code gives a session that serves the role until it ends, then a code is needed again', async () => {
    const { broker, sts, clock, view } = await setup();
    const asked = await broker.serve('admin');
    assert.equal(asked.ok === false && asked.error.code, 'MfaRequired');
    assert.equal(view('admin')?.waitingFor, 'mfa');
    assert.equal(sts.calls.length, 0, 'STS is not called without a code');
    assert.equal(broker.view().mfa.find((m) => m.serial === SERIAL)?.needed?.forProfile, 'admin');

    sts.lifetimeMs = 2 * 60 * MIN;
    const session = await broker.mfaLogin('admin', '123456');
    assert.equal(session.expiration.getTime(), clock.now() + 2 * 60 * MIN);
    assert.deepEqual(sts.calls.map((c) => [c.action, c.tokenCode]), [['GetSessionToken', '123456']]);
    sts.lifetimeMs = 60 * MIN;
    const role = await broker.ensure('admin');
    const assume = sts.calls.find((c) => c.action === 'AssumeRole');
    assert.match(assume?.signedWith ?? '', /^ASIAFAKE/, 'the role is assumed with the MFA session, not the key');
    assert.equal(assume?.tokenCode, undefined, 'the code is never sent twice');
    assert.equal(broker.view().mfa.find((m) => m.serial === SERIAL)?.expiresAt, session.expiration.getTime());
    const served = await broker.serve('admin');
    assert.ok(served.ok && served.creds.accessKeyId === role.accessKeyId);

    // Refresh-ahead renews the role from the session while the session lasts.
    await clock.advance(31 * MIN);
    assert.equal(sts.count('AssumeRole'), 2);
    assert.equal(sts.count('GetSessionToken'), 1);
    // Past the session's end: no credentials, no STS call without a new code.
    await clock.advance(2 * 60 * MIN);
    const calls = sts.calls.length;
    const after = await broker.serve('admin');
    assert.equal(after.ok === false && after.error.code, 'MfaRequired', 'the ended session is not used');
    assert.equal(view('admin')?.waitingFor, 'mfa');
    assert.equal(sts.count('GetSessionToken'), 1, 'no GetSessionToken without a code');
    assert.ok(sts.calls.slice(calls).every((c) => c.action !== 'GetSessionToken'));
    broker.close();
  });

  it('MFA: concurrent logins with one code share one GetSessionToken', async () => {
    const { broker, sts } = await setup();
    sts.hold();
    const logins = Array.from({ length: 5 }, () => broker.mfaLogin('admin', '654321'));
    await settle();
    sts.release();
    const sessions = await Promise.all(logins);
    assert.equal(sts.count('GetSessionToken'), 1);
    assert.equal(new Set(sessions.map((s) => s.expiration.getTime())).size, 1);
    broker.close();
  });
});
