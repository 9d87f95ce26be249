/**
 * Issue 9: one sign-in shared with the AWS tools. A token `credd login` wrote is used by the
 * JS SDK's own fromSSO provider; cache files written the way `aws sso login` writes them (for an
 * sso-session, and for the legacy profile form, keyed by sha1 of the start URL, no refresh token)
 * are used by credd's daemon with no sign-in, and refreshed with the AWS CLI's own registration.
 * Also: the clear message when the refresh token no longer works, a sign-in denied in the
 * browser, and one slow_down during polling.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LogoutCommand, SSOClient } from '@aws-sdk/client-sso';
import { awsCliSignIn, CACHE_KEYS, fromSsoArn, isoSeconds, readCacheEntry, runApproving } from '../support/sso-journey-helpers.js';
import { ACCOUNT, CORP_URL, LEGACY_URL, ok, startSsoSandbox, type SsoSandbox } from '../support/sso-sandbox.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const arn = (role: string, user: string): string => `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${user}`;

describe('SSO compatibility: credd, the JS SDK fromSSO provider and `aws sso login` share one token cache', () => {
  let w: SsoSandbox;
  let vars: Record<string, string>;
  /** `credd env legacy`: a shell pinned to the legacy profile. */
  let pinned: Record<string, string>;

  before(async () => {
    w = await startSsoSandbox();
    vars = await w.env();
    const login = await runApproving(['login', 'dev', '--no-browser'], w.box.env, w.emu);
    assert.equal(login.code, 0, login.stderr);
  });
  after(async () => {
    await w?.close();
  });

  it('the JS SDK fromSSO provider accepts the token credd wrote, as it is', async () => {
    const before = await fs.readFile(w.corpFile, 'utf8');
    w.emu.resetCounts();
    assert.equal(await fromSsoArn(w.sdkEnv(), 'dev', w.sts.url), arn('Admin', 'sso-user@example.com'));
    assert.deepEqual(w.emu.counts, { GetRoleCredentials: 1 }, 'no refresh, no sign-in');
    assert.equal(await fs.readFile(w.corpFile, 'utf8'), before);
  });

  it('a cache file as `aws sso login` writes it serves the daemon with no sign-in, and credd refreshes it with the AWS CLI registration', async () => {
    const credds = await readCacheEntry(w.corpFile);
    const entry = await awsCliSignIn(w.emu, { startUrl: CORP_URL, region: 'us-east-1', session: 'corp', user: 'carol@example.com' });
    await fs.writeFile(w.corpFile, JSON.stringify(entry), { mode: 0o600 });
    // credd's own token is signed out, so only the hand-written one can work.
    const portal = new SSOClient({ region: 'us-east-1', endpoint: w.emu.url });
    await portal.send(new LogoutCommand({ accessToken: credds.accessToken })).finally(() => portal.destroy());

    w.emu.resetCounts();
    ok(await w.box.credd(['clear', 'dev']));
    const sw = ok(await w.box.credd(['switch', 'dev']));
    assert.equal(sw.stderr, '', 'no sign-in prompt');
    assert.deepEqual(w.emu.counts, { GetRoleCredentials: 1 });
    const [cli, sdk] = await Promise.all([w.awsCli(vars), w.jsSdk(vars)]);
    assert.equal(cli, arn('Admin', 'carol@example.com'));
    assert.equal(sdk, arn('Admin', 'carol@example.com'));

    // Five minutes left: credd refreshes with botocore's client registration and refresh token.
    await fs.writeFile(w.corpFile, JSON.stringify({ ...entry, expiresAt: isoSeconds(Date.now() + 5 * 60_000) }));
    w.emu.resetCounts();
    ok(await w.box.credd(['clear', 'dev']));
    ok(await w.box.credd(['switch', 'dev']));
    assert.deepEqual(w.emu.counts, { 'CreateToken:refresh': 1, GetRoleCredentials: 1 });
    const refreshed = await readCacheEntry(w.corpFile);
    assert.deepEqual(Object.keys(refreshed).sort(), CACHE_KEYS);
    assert.equal(refreshed.clientId, entry.clientId);
    assert.notEqual(refreshed.accessToken, entry.accessToken);
    assert.ok(Date.parse(refreshed.expiresAt) > Date.now() + 7 * 3_600_000);
    // ...and the SDK takes credd's refreshed file in turn.
    w.emu.resetCounts();
    assert.equal(await fromSsoArn(w.sdkEnv(), 'dev', w.sts.url), arn('Admin', 'carol@example.com'));
    assert.deepEqual(w.emu.counts, { GetRoleCredentials: 1 });
  });

  it('the legacy profile form: a hand-written cache keyed by sha1(start URL), with no refresh token', async () => {
    assert.equal(path.basename(w.legacyFile), '2497b9432c3807023dcf6f870f2873a5ccbdc9dc.json', 'sha1 of the start URL');
    const entry = await awsCliSignIn(w.emu, { startUrl: LEGACY_URL, region: 'eu-west-1', user: 'dave@example.com' });
    assert.deepEqual(Object.keys(entry).sort(), ['accessToken', 'expiresAt', 'region', 'startUrl']);
    await fs.writeFile(w.legacyFile, JSON.stringify(entry), { mode: 0o600 });
    assert.match(ok(await w.box.credd(['list'])).stdout, /^ {2}legacy\s+SSO https:\/\/d-legacy0001\.awsapps\.com\/start\s+111111111111:ReadOnly\s+signed in until /m);
    w.emu.resetCounts();
    pinned = await w.env('legacy');
    assert.deepEqual(w.emu.counts, { GetRoleCredentials: 1 }, 'credd env PROFILE warms the pinned profile');
    assert.equal(await w.jsSdk(pinned), arn('ReadOnly', 'dave@example.com'));
    assert.equal(await w.jsSdk(vars), arn('Admin', 'carol@example.com'), 'the active profile is still dev');
    const dev = await readCacheEntry(w.corpFile);
    assert.equal(dev.startUrl, CORP_URL, 'the two sign-ins live in two files');
  });

  it('a legacy token in its last 15 minutes is still used (it cannot be refreshed, but AWS accepts it)', async () => {
    const entry = await readCacheEntry(w.legacyFile);
    await fs.writeFile(w.legacyFile, JSON.stringify({ ...entry, expiresAt: isoSeconds(Date.now() + 10 * 60_000) }));
    try {
      ok(await w.box.credd(['clear', 'legacy']));
      const res = await w.fetchCredentials(pinned);
      assert.equal(res.status, 200, res.body);
    } finally {
      await fs.writeFile(w.legacyFile, JSON.stringify(entry));
    }
  });

  it('a refresh token that no longer works: a clear SsoLoginRequired naming credd login', async () => {
    const entry = await readCacheEntry(w.corpFile);
    await fs.writeFile(w.corpFile, JSON.stringify({ ...entry, expiresAt: isoSeconds(Date.now() - 60_000), refreshToken: 'aorAAAAAGnot-a-live-refresh-token' }));
    w.emu.resetCounts();
    ok(await w.box.credd(['clear', 'dev']));
    const res = await w.fetchCredentials(vars);
    assert.equal(res.status, 409);
    const body = JSON.parse(res.body) as { code: string; message: string };
    assert.equal(body.code, 'SsoLoginRequired');
    assert.equal(body.message, 'Profile "dev" needs a new IAM Identity Center sign-in: the sign-in has ended; run: credd login dev');
    assert.deepEqual(w.emu.counts, { 'CreateToken:refresh': 1, 'rejected:InvalidGrantException': 1 });
  });

  it('a sign-in denied in the browser: credd login exits 1 saying so, and writes nothing', async () => {
    const before = await fs.readFile(w.corpFile, 'utf8');
    const r = await runApproving(['login', 'dev', '--no-browser'], w.box.env, w.emu, { deny: true });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^credd: The sign-in was denied in the browser\.$/m);
    assert.equal(await fs.readFile(w.corpFile, 'utf8'), before);
  });

  it('slow_down while polling: credd waits 5 s longer, then signs in', async () => {
    w.emu.resetCounts();
    w.emu.forceSlowDown(1);
    const t0 = Date.now();
    const r = await runApproving(['login', 'dev', '--no-browser'], w.box.env, w.emu);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Date.now() - t0 >= 6000, 'the second poll came at the raised interval');
    assert.equal(w.emu.counts['rejected:SlowDownException'], 1);
    assert.equal(w.emu.counts['CreateToken'], 2, JSON.stringify(w.emu.counts));
    assert.equal(w.emu.counts['RegisterClient'], undefined, 'the registration from the cache is reused');
    assert.ok(Date.parse((await readCacheEntry(w.corpFile)).expiresAt) > Date.now() + 7 * 3_600_000);
  });
});
