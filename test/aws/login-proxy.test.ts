/**
 * Issue 14, item 7, for `aws login` profiles: the SDK login provider's token refresh goes
 * through the proxy variables like every other AWS call credd makes (a real CONNECT proxy in
 * front of the sign-in emulator, which verifies the DPoP proof).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LoginCredentials } from '../../src/aws/login-credentials.js';
import { loadAwsConfig } from '../../src/config/aws-config.js';
import { resolveProfile } from '../../src/config/resolve-profile.js';
import { startConnectProxy, type ConnectProxy } from '../support/connect-proxy.js';
import { startSigninEmulator, type SigninEmulator } from '../support/signin-emulator.js';
import { startStsEmulator, type StsEmulator } from '../support/sts-emulator.js';

const SESSION = 'arn:aws:iam::123456789012:user/alice';

describe('aws login sessions through an HTTP proxy', () => {
  let sts: StsEmulator;
  let signin: SigninEmulator;
  let proxy: ConnectProxy;
  let dir: string;
  before(async () => {
    sts = await startStsEmulator();
    signin = await startSigninEmulator(sts);
    proxy = await startConnectProxy();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-login-proxy-'));
  });
  after(async () => {
    await Promise.all([signin.close(), sts.close(), proxy.close()]);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('the refresh of an ended login session goes through HTTP_PROXY', async () => {
    const cacheDir = path.join(dir, 'cache');
    await fs.mkdir(cacheDir, { mode: 0o700 });
    // The provider reads its cache directory from the process environment.
    process.env['AWS_LOGIN_CACHE_DIRECTORY'] = cacheDir;
    const signedIn = signin.signIn({ roleArn: sts.createRole({ roleName: 'AliceConsole' }).arn, accessTtlSeconds: 60 });
    await fs.writeFile(path.join(cacheDir, `${createHash('sha256').update(SESSION).digest('hex')}.json`), JSON.stringify(signedIn.cache), { mode: 0o600 });
    const configFile = path.join(dir, 'config');
    await fs.writeFile(configFile, `[profile web]\nlogin_session = ${SESSION}\nregion = us-east-1\n`);
    const env = { AWS_ENDPOINT_URL_SIGNIN: signin.url, HTTP_PROXY: proxy.url, CREDD_PROXY_LOOPBACK: '1' };
    const profile = resolveProfile(await loadAwsConfig(configFile), 'web', env);
    assert.equal(profile.kind, 'login');
    if (profile.kind !== 'login') return;
    const c = await new LoginCredentials(env, { configFile, credentialsFile: path.join(dir, 'credentials') }).credentials(profile);
    assert.match(c.accessKeyId, /^ASIA/);
    assert.equal(signin.counts.refreshed, 1);
    assert.deepEqual(proxy.targets, [new URL(signin.url).host], 'the sign-in call went through the proxy');
  });
});
