/**
 * The daemon's answers (status, switch, notice) are pure functions of the broker's view:
 * tested here on hand-made views, with no broker, no STS and no clock.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BrokerView, MfaView, ProfileView } from '../../src/broker/broker-view.js';
import { daemonStatus, mfaStatus } from '../../src/daemon/daemon-status.js';
import { noticeFor, SESSION_WARNING_MS } from '../../src/daemon/notice.js';
import { switchResult } from '../../src/daemon/switch-result.js';
import { waitingForOf } from '../../src/domain/waiting-for.js';
import { ActionRequiredError, CreddError, mfaRequired } from '../../src/domain/errors.js';

const NOW = Date.parse('2026-12-02T09:00:00Z');
const MIN = 60_000;
const stats = { requests: 7, servedFromCache: 5, waitedOnSts: 2, stsFetches: 3, failedFetches: 1 };

function profile(name: string, extra: Partial<ProfileView> = {}): ProfileView {
  return { name, active: false, refreshing: false, lastRequestedAt: NOW - MIN, failures: 0, ...extra };
}

function view(profiles: ProfileView[], mfa: MfaView[] = []): BrokerView {
  const active = profiles.find((p) => p.active)?.name;
  return { now: NOW, ...(active !== undefined && { active }), profiles, mfa, stats };
}

const hhmm = (ms: number): string => `${String(new Date(ms).getHours()).padStart(2, '0')}:${String(new Date(ms).getMinutes()).padStart(2, '0')}`;

describe('waitingForOf: one spelling of "the user must act"', () => {
  it('maps MFA and SSO needs, honours a declared waitingFor, and ignores everything else', () => {
    assert.equal(waitingForOf(mfaRequired('admin', 'base', 'arn:mfa')), 'mfa');
    assert.equal(waitingForOf(new ActionRequiredError('SsoLoginRequired', 'sign in')), 'sso');
    assert.equal(waitingForOf(new ActionRequiredError('KeychainLocked', 'unlock it', { waitingFor: 'unlock' })), 'unlock');
    assert.equal(waitingForOf(new ActionRequiredError('Whatever', 'x', { waitingFor: 'coffee' })), undefined);
    assert.equal(waitingForOf(new ActionRequiredError('NoKey', 'run: credd add base')), undefined);
    assert.equal(waitingForOf(new CreddError('StsAccessDenied', 'no')), undefined);
    assert.equal(waitingForOf(undefined), undefined);
  });
});

describe('noticeFor', () => {
  it('is silent when nobody waits and no session is ending', () => {
    assert.equal(noticeFor(view([profile('admin', { active: true, root: 'base' })])), undefined);
  });

  it('names the recent profile waiting for an MFA code, with the time the wait began', () => {
    const since = NOW - 5 * MIN;
    const v = view([profile('admin', { root: 'base', waitingFor: 'mfa' })], [{ user: 'base', serial: 'arn:mfa', needed: { since, forProfile: 'admin' } }]);
    assert.equal(noticeFor(v), `MFA code needed for admin since ${hhmm(since)}; run: credd switch admin`);
  });

  it('asks for MFA before SSO, and for SSO sign-in with credd login', () => {
    const sso = profile('dev', { waitingFor: 'sso' });
    assert.equal(noticeFor(view([sso])), 'IAM Identity Center sign-in needed for dev; run: credd login dev');
    const mfa = profile('admin', { root: 'base', waitingFor: 'mfa', lastError: { code: 'MfaRequired', message: 'm', at: NOW - MIN } });
    assert.match(noticeFor(view([sso, mfa])) ?? '', /^MFA code needed for admin since \d\d:\d\d; run: credd switch admin$/);
  });

  it('passes on the keychain\'s own sentence for keychain and unlock waits', () => {
    const locked = profile('base', { waitingFor: 'unlock', lastError: { code: 'KeychainLocked', message: 'The keychain is locked; unlock it.', at: NOW } });
    assert.equal(noticeFor(view([locked])), 'The keychain is locked; unlock it.');
  });

  it('ignores waits of profiles nobody asked for within the hour, unless active', () => {
    const old = NOW - 2 * 60 * MIN;
    assert.equal(noticeFor(view([profile('dev', { waitingFor: 'sso', lastRequestedAt: old })])), undefined);
    assert.match(noticeFor(view([profile('dev', { waitingFor: 'sso', lastRequestedAt: old, active: true })])) ?? '', /sign-in needed for dev/);
  });

  it('warns when the MFA session behind the active profile ends soon, not when it ends later', () => {
    const soon = NOW + SESSION_WARNING_MS - MIN;
    const active = profile('admin', { active: true, root: 'base' });
    assert.equal(noticeFor(view([active], [{ user: 'base', serial: 'arn:mfa', expiresAt: soon }])), `MFA session of base ends at ${hhmm(soon)}; renew now with: credd mfa admin`);
    assert.equal(noticeFor(view([active], [{ user: 'base', serial: 'arn:mfa', expiresAt: NOW + 2 * SESSION_WARNING_MS }])), undefined);
  });
});

describe('daemonStatus and mfaStatus', () => {
  it('puts the view on the wire: ISO times, only the fields that are known', () => {
    const exp = NOW + 50 * MIN;
    const v = view(
      [
        profile('admin', { active: true, root: 'base', freshness: 'fresh', expiresAt: exp, assumedRoleArn: 'arn:aws:sts::1:assumed-role/Admin/x' }),
        profile('dev', { refreshing: true, nextAttemptAt: NOW + 2_000, lastError: { code: 'StsThrottling', message: 'slow down', at: NOW - 1_000 } }),
      ],
      [{ user: 'base', serial: 'arn:mfa', expiresAt: exp, needed: { since: NOW - MIN, forProfile: 'admin' } }],
    );
    const s = daemonStatus(v, { pid: 42, version: '0.1.0', port: 9911, startedAt: new Date(NOW - 60 * MIN), store: 'memory', configFile: '/c' });
    assert.equal(s.activeProfile, 'admin');
    assert.deepEqual(s.profiles[0], { name: 'admin', active: true, refreshing: false, expiration: new Date(exp).toISOString(), freshness: 'fresh', assumedRoleArn: 'arn:aws:sts::1:assumed-role/Admin/x' });
    assert.deepEqual(s.profiles[1], {
      name: 'dev',
      active: false,
      refreshing: true,
      nextRefreshAt: new Date(NOW + 2_000).toISOString(),
      lastError: { code: 'StsThrottling', message: 'slow down', at: new Date(NOW - 1_000).toISOString() },
    });
    assert.deepEqual(s.stats, stats);
    assert.deepEqual(mfaStatus(v), [{ profile: 'base', serial: 'arn:mfa', expiration: new Date(exp).toISOString(), neededSince: new Date(NOW - MIN).toISOString(), neededFor: 'admin' }]);
    assert.equal(daemonStatus(view([]), { pid: 1, version: 'v', port: 1, startedAt: new Date(NOW), store: 's', configFile: 'c' }).activeProfile, null);
  });
});

describe('switchResult', () => {
  const creds = { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 's', sessionToken: 't', expiration: new Date(NOW + 60 * MIN), assumedRoleArn: 'arn:role' };

  it('adds when the MFA session of the profile\'s user ends', () => {
    const v = view([profile('admin', { root: 'base' })], [{ user: 'base', serial: 'arn:mfa', expiresAt: NOW + 600 * MIN }]);
    assert.deepEqual(switchResult(v, 'admin', creds, { region: 'eu-west-1' }), {
      profile: 'admin',
      expiration: new Date(NOW + 60 * MIN).toISOString(),
      assumedRoleArn: 'arn:role',
      mfaExpiration: new Date(NOW + 600 * MIN).toISOString(),
      region: 'eu-west-1',
    });
  });

  it('says nothing of MFA for a user that only waits for a code, or another user\'s session', () => {
    const v = view([profile('admin', { root: 'base' })], [{ user: 'base', serial: 'arn:mfa', needed: { since: NOW, forProfile: 'admin' } }, { user: 'other', serial: 'x', expiresAt: NOW + MIN }]);
    assert.equal(switchResult(v, 'admin', creds, {}).mfaExpiration, undefined);
  });
});
