// IAM Identity Center sign-in refresh: concurrent requests share one CreateToken (refresh
// tokens rotate, so a second refresh would spend a retired one), and the shared cache file
// gets the new token, private.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SsoProfile } from '../../src/domain/profile.js';
import { silentLogger } from '../../src/platform/logger.js';
import { SsoCredentials } from '../../src/aws/sso-credentials.js';
import { startSsoEmulator, type SsoEmulator } from '../support/sso-emulator.js';
import { awsCliSignIn, isoSeconds, readCacheEntry, ssoCacheFile } from '../support/sso-journey-helpers.js';

const START_URL = 'https://corp.awsapps.com/start';
const ACCOUNT = '111122223333';

describe('SsoCredentials token refresh', () => {
  let emu: SsoEmulator;
  let dir = '';
  before(async () => {
    emu = await startSsoEmulator();
    emu.entitle(ACCOUNT, 'Admin');
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-sso-'));
  });
  after(async () => {
    await emu?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('five concurrent requests inside the refresh window: one CreateToken, every request served, the cache file updated (0600)', async () => {
    const entry = await awsCliSignIn(emu, { startUrl: START_URL, region: 'us-east-1', session: 'corp' });
    const file = ssoCacheFile(dir, 'corp');
    await fs.mkdir(path.dirname(file), { recursive: true });
    // 10 min left: inside the 15 min refresh window, still usable.
    await fs.writeFile(file, JSON.stringify({ ...entry, expiresAt: isoSeconds(Date.now() + 10 * 60_000) }), { mode: 0o600 });
    const sso = new SsoCredentials({ HOME: dir, AWS_ENDPOINT_URL_SSO_OIDC: emu.url, AWS_ENDPOINT_URL_SSO: emu.url }, silentLogger());
    const profile: SsoProfile = { kind: 'sso', name: 'dev', ssoSession: 'corp', startUrl: START_URL, ssoRegion: 'us-east-1', registrationScopes: ['sso:account:access'], accountId: ACCOUNT, roleName: 'Admin', region: 'us-east-1' };
    emu.resetCounts();
    const all = await Promise.all(Array.from({ length: 5 }, () => sso.roleCredentials(profile)));
    assert.ok(all.every((c) => c.accessKeyId.length > 0));
    assert.equal(emu.counts['CreateToken:refresh'], 1, `one refresh for five requests: ${JSON.stringify(emu.counts)}`);
    assert.equal(emu.counts['rejected:InvalidGrantException'] ?? 0, 0, 'no retired refresh token was spent');
    const cached = await readCacheEntry(file);
    assert.notEqual(cached.accessToken, entry.accessToken);
    assert.notEqual(cached.refreshToken, entry.refreshToken);
    assert.ok(Date.parse(cached.expiresAt) - Date.now() > 60 * 60_000, 'the refreshed token lasts');
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
  });
});
