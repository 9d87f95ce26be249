// `credd export` (credential_process, exec) against the real daemon: never credentials that a
// client would already want to refresh, and a wrong stored secret is refused in one sentence.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertNoCredential } from '../support/assert-no-secrets.js';
import { daemonStatus, startHarness, type Harness } from '../support/hardening-harness.js';
import { request } from '../support/http-request.js';

/** The widest client refresh window: botocore refreshes 15 min before expiry (JS v3: 5 min). */
const CLIENT_REFRESH_MS = 15 * 60_000;
const ISSUED_S = 900;
const LIFE_LEFT_S = 62;

interface ProcessCreds { Version: number; AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: string }

describe('credd export and the client refresh window', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ switchTo: false });
  });
  after(async () => h?.close());

  const exported = async (profile: string): Promise<ProcessCreds> => {
    const r = await h.box.credd(['export', profile]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as ProcessCreds;
  };

  it('never returns credentials inside the client refresh window: once the cached ones are near expiry, export fetches new ones', { timeout: 60_000 }, async () => {
    // The emulator's clock runs behind, so what it issues has only LIFE_LEFT_S seconds left on the daemon's clock.
    h.sts.setMaxIssuedDurationSeconds(ISSUED_S);
    h.sts.advance(-(ISSUED_S - LIFE_LEFT_S) * 1000);
    const old = await exported('pin3');
    h.sts.advance((ISSUED_S - LIFE_LEFT_S) * 1000);
    h.sts.setMaxIssuedDurationSeconds(undefined);
    for (let i = 0; (await daemonStatus(h)).profiles.find((p) => p.name === 'pin3')?.freshness !== 'expired'; i++) {
      assert.ok(i < 100, 'the cached credentials never reached the hard margin');
      await sleep(100);
    }
    const fresh = await exported('pin3');
    assert.notEqual(fresh.AccessKeyId, old.AccessKeyId, 'the near-expiry credentials were exported');
    const left = Date.parse(fresh.Expiration) - Date.now();
    assert.ok(left > CLIENT_REFRESH_MS, `exported credentials have ${Math.round(left / 1000)} s left: a client would refresh them at once`);
    for (const f of [fresh, await exported('pin3')]) assert.ok(Date.parse(f.Expiration) - Date.now() > CLIENT_REFRESH_MS);
  });

  it('credentials in the stale window (valid, but under a third of their life left) are not exported: export fetches new ones', { timeout: 300_000 }, async () => {
    // The daemon judges credentials by the life it saw them get: issued with the emulator's clock
    // SKEW_S behind, 900 s credentials have 210 s of life on the daemon's clock. Refresh-ahead
    // would renew them at 105 s left; every AssumeRole fails meanwhile, so they age into the
    // stale window (under 70 s left, over the 60 s hard margin) with nothing in flight. Waiting
    // for the daemon's own clock to get there takes about 140 s: it has no other clock to move.
    const SKEW_S = 690;
    h.sts.setMaxIssuedDurationSeconds(ISSUED_S);
    h.sts.advance(-SKEW_S * 1000);
    let old: ProcessCreds;
    try {
      old = await exported('pin5');
      h.sts.setFault({ kind: 'server-error' }, { actions: ['AssumeRole'] });
      for (let i = 0; (await daemonStatus(h)).profiles.find((p) => p.name === 'pin5')?.freshness !== 'stale'; i++) {
        assert.ok(i < 2_000, 'the cached credentials never reached the stale window');
        await sleep(100);
      }
    } finally {
      h.sts.setFault(null);
      h.sts.advance(SKEW_S * 1000);
      h.sts.setMaxIssuedDurationSeconds(undefined);
    }
    const left = Date.parse(old.Expiration) - Date.now();
    assert.ok(left > 60_000 && left < CLIENT_REFRESH_MS, `the setup's credentials have ${Math.round(left / 1000)} s left`);
    const next = await exported('pin5');
    assert.notEqual(next.AccessKeyId, old.AccessKeyId, 'credentials in the stale window were exported');
    assert.ok(Date.parse(next.Expiration) - Date.now() > CLIENT_REFRESH_MS, 'the exported credentials are inside the client refresh window');
  });

  it('a wrong stored secret: one sentence naming the profile, no credentials served anywhere', { timeout: 60_000 }, async () => {
    const added = await h.box.credd(['add', 'base', '--env', '--force'], { env: { AWS_ACCESS_KEY_ID: h.alice.accessKeyId, AWS_SECRET_ACCESS_KEY: `${h.alice.secretAccessKey.slice(0, -4)}AAAA` } });
    assert.equal(added.code, 0, added.stderr);
    try {
      const r = await h.box.credd(['export', 'pin4']);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '', 'nothing on stdout for credential_process to take');
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one line: ${r.stderr}`);
      assert.match(lines[0] ?? '', /"pin4"/, 'it names the profile');
      assert.match(lines[0] ?? '', /signature|secret/i, 'it says the secret does not match');
      assert.doesNotMatch(r.stderr, /\n {4}at |ASIA|SecretAccessKey/);
      const sw = await h.box.credd(['switch', 'pin4']);
      assert.equal(sw.code, 1, 'switch refuses too');
      const served = await request({ port: h.port, path: '/v1/credentials/pin4', headers: { authorization: h.token } });
      assert.ok(served.status >= 400 && served.status < 500, `the ECS endpoint answers ${served.status}`);
      assertNoCredential(served.body, 'the ECS answer');
      assert.match((JSON.parse(served.body) as { message: string }).message, /"pin4".*secret access key does not match/);
    } finally {
      const restored = await h.box.credd(['add', 'base', '--env', '--force'], { env: { AWS_ACCESS_KEY_ID: h.alice.accessKeyId, AWS_SECRET_ACCESS_KEY: h.alice.secretAccessKey } });
      assert.equal(restored.code, 0, restored.stderr);
    }
  });
});
