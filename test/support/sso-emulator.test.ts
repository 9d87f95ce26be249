import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AccessDeniedException,
  AuthorizationPendingException,
  CreateTokenCommand,
  ExpiredTokenException,
  InvalidClientException,
  InvalidGrantException,
  RegisterClientCommand,
  SlowDownException,
  SSOOIDCClient,
  StartDeviceAuthorizationCommand,
  UnsupportedGrantTypeException,
  type CreateTokenCommandOutput,
} from '@aws-sdk/client-sso-oidc';
import {
  GetRoleCredentialsCommand,
  ListAccountRolesCommand,
  ListAccountsCommand,
  LogoutCommand,
  SSOClient,
  SSOServiceException,
  UnauthorizedException,
} from '@aws-sdk/client-sso';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startSsoEmulator, type SsoEmulator, type StartSsoEmulatorOptions } from './sso-emulator.js';
import { connectSsoEmulator } from './sso-emulator-client.js';
import { startStsEmulator } from './sts-emulator.js';
import { rejects } from './sdk-rejection.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const START_URL = 'https://d-1234567890.awsapps.com/start';
const ACCOUNT = '111111111111';
const SCOPES = ['sso:account:access'];
const REPO = fileURLToPath(new URL('../..', import.meta.url));


async function withEmulator(opts: StartSsoEmulatorOptions, fn: (emu: SsoEmulator, oidc: SSOOIDCClient, sso: SSOClient) => Promise<void>): Promise<void> {
  const emu = await startSsoEmulator(opts);
  const oidc = new SSOOIDCClient({ region: 'us-east-1', endpoint: emu.url });
  const sso = new SSOClient({ region: 'us-east-1', endpoint: emu.url });
  try {
    await fn(emu, oidc, sso);
  } finally {
    oidc.destroy();
    sso.destroy();
    await emu.close();
  }
}

interface Registration { clientId: string; clientSecret: string; clientSecretExpiresAt: number }

/** As the AWS CLI v2 registers for an sso-session (scopes) or for a legacy profile (null: no scopes sent). */
async function register(oidc: SSOOIDCClient, scopes: string[] | null = SCOPES): Promise<Registration> {
  const out = await oidc.send(new RegisterClientCommand({ clientName: 'test', clientType: 'public', ...(scopes !== null && { scopes }) }));
  assert.ok(out.clientId && out.clientSecret && out.clientSecretExpiresAt !== undefined);
  return { clientId: out.clientId, clientSecret: out.clientSecret, clientSecretExpiresAt: out.clientSecretExpiresAt };
}

async function startAuth(oidc: SSOOIDCClient, reg: Registration, startUrl = START_URL): Promise<{ deviceCode: string; userCode: string }> {
  const out = await oidc.send(new StartDeviceAuthorizationCommand({ clientId: reg.clientId, clientSecret: reg.clientSecret, startUrl }));
  assert.ok(out.deviceCode && out.userCode);
  return { deviceCode: out.deviceCode, userCode: out.userCode };
}

const poll = (oidc: SSOOIDCClient, reg: Registration, deviceCode: string): Promise<CreateTokenCommandOutput> =>
  oidc.send(new CreateTokenCommand({ clientId: reg.clientId, clientSecret: reg.clientSecret, grantType: DEVICE_GRANT, deviceCode }));

/** The whole device flow, the test approving as `user`; polls on the emulator clock (no real waiting). */
async function signIn(emu: SsoEmulator, oidc: SSOOIDCClient, opts: { scopes?: string[] | null; user?: string; startUrl?: string } = {}) {
  const reg = await register(oidc, opts.scopes === undefined ? SCOPES : opts.scopes);
  const { deviceCode, userCode } = await startAuth(oidc, reg, opts.startUrl);
  emu.approve(userCode, opts.user === undefined ? {} : { user: opts.user });
  const token = await poll(oidc, reg, deviceCode);
  assert.ok(token.accessToken);
  return { reg, token, accessToken: token.accessToken };
}

test('device flow: pending until the test approves, then Bearer tokens; the code is single-use', async () => {
  await withEmulator({}, async (emu, oidc) => {
    const t0 = Math.floor(emu.now() / 1000);
    const reg = await register(oidc);
    assert.ok(reg.clientSecretExpiresAt - t0 >= 90 * 86_400 - 1 && reg.clientSecretExpiresAt - t0 <= 90 * 86_400 + 1);
    const auth = await oidc.send(new StartDeviceAuthorizationCommand({ clientId: reg.clientId, clientSecret: reg.clientSecret, startUrl: START_URL }));
    assert.match(auth.userCode ?? '', /^[A-Z]{4}-[A-Z]{4}$/);
    assert.equal(auth.verificationUri, `${emu.url}/device`);
    assert.equal(auth.verificationUriComplete, `${emu.url}/device?user_code=${auth.userCode}`);
    assert.equal(auth.expiresIn, 600);
    assert.equal(auth.interval, 1);
    assert.deepEqual(emu.pendingUserCodes(), [auth.userCode]);
    const page = await fetch(auth.verificationUriComplete ?? '');
    assert.equal(page.status, 200);

    const pending = await rejects(() => poll(oidc, reg, auth.deviceCode ?? ''));
    assert.ok(pending instanceof AuthorizationPendingException);
    assert.equal(pending.name, 'AuthorizationPendingException');
    assert.equal(pending.error, 'authorization_pending');
    assert.equal(pending.$metadata?.httpStatusCode, 400);
    assert.equal(pending.$metadata?.attempts, 1, 'not retried');
    assert.equal(pending.$fault, 'client');

    emu.approve(auth.userCode?.toLowerCase().replace('-', '') ?? '', { user: 'alice@example.com' }); // as typed by a user
    assert.deepEqual(emu.pendingUserCodes(), []);
    emu.advance(1000);
    const token = await poll(oidc, reg, auth.deviceCode ?? '');
    assert.match(token.accessToken ?? '', /^aoa/);
    assert.equal(token.tokenType, 'Bearer');
    assert.equal(token.expiresIn, 8 * 3600);
    assert.match(token.refreshToken ?? '', /^aor/);

    emu.advance(1000);
    assert.ok((await rejects(() => poll(oidc, reg, auth.deviceCode ?? ''))) instanceof InvalidGrantException);
    assert.deepEqual(emu.counts, {
      RegisterClient: 1, StartDeviceAuthorization: 1, CreateToken: 3,
      'rejected:AuthorizationPendingException': 1, 'rejected:InvalidGrantException': 1,
    });
    assert.throws(() => emu.approve(auth.userCode ?? ''), /already redeemed/);
  });
});

test('errors on the wire: x-amzn-ErrorType plus {"error","error_description"} (OIDC) or {"message"} (portal)', async () => {
  await withEmulator({}, async (emu, oidc) => {
    const reg = await register(oidc);
    const { deviceCode } = await startAuth(oidc, reg);
    const res = await fetch(`${emu.url}/token`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: reg.clientId, clientSecret: reg.clientSecret, grantType: DEVICE_GRANT, deviceCode }),
    });
    assert.equal(res.status, 400);
    assert.match(res.headers.get('x-amzn-errortype') ?? '', /^AuthorizationPendingException:/);
    assert.deepEqual(await res.json(), { error: 'authorization_pending', error_description: 'Authorization is still pending' });
    const portal = await fetch(`${emu.url}/federation/credentials?role_name=R&account_id=${ACCOUNT}`, { headers: { 'x-amz-sso_bearer_token': 'nope' } });
    assert.equal(portal.status, 401);
    assert.match(portal.headers.get('x-amzn-errortype') ?? '', /^UnauthorizedException:/);
    assert.deepEqual(await portal.json(), { message: 'Session token not found or invalid' });
  });
});

test('slow_down: faster than the interval (which then grows by 5 s), or forced; visible as SlowDownException', async () => {
  await withEmulator({}, async (emu, oidc) => {
    const reg = await register(oidc);
    const { deviceCode } = await startAuth(oidc, reg);
    assert.ok((await rejects(() => poll(oidc, reg, deviceCode))) instanceof AuthorizationPendingException); // the first poll may come at once
    const fast = await rejects(() => poll(oidc, reg, deviceCode));
    assert.ok(fast instanceof SlowDownException);
    assert.equal(fast.error, 'slow_down');
    assert.equal(fast.$metadata?.attempts, 1);
    emu.advance(1000); // the old interval is not enough any more: 1 + 5 s
    assert.ok((await rejects(() => poll(oidc, reg, deviceCode))) instanceof SlowDownException);
    emu.advance(11_000); // 1 + 5 + 5
    assert.ok((await rejects(() => poll(oidc, reg, deviceCode))) instanceof AuthorizationPendingException);

    emu.forceSlowDown(1);
    emu.advance(11_000);
    assert.ok((await rejects(() => poll(oidc, reg, deviceCode))) instanceof SlowDownException);
    emu.advance(16_000);
    assert.ok((await rejects(() => poll(oidc, reg, deviceCode))) instanceof AuthorizationPendingException);
    assert.equal(emu.counts['rejected:SlowDownException'], 3);
  });
  await withEmulator({ enforcePollInterval: false, pollIntervalSeconds: 5 }, async (emu, oidc) => {
    const reg = await register(oidc);
    const auth = await oidc.send(new StartDeviceAuthorizationCommand({ clientId: reg.clientId, clientSecret: reg.clientSecret, startUrl: START_URL }));
    assert.equal(auth.interval, 5);
    for (let i = 0; i < 3; i++) assert.ok((await rejects(() => poll(oidc, reg, auth.deviceCode ?? ''))) instanceof AuthorizationPendingException);
    emu.forceSlowDown(1);
    assert.ok((await rejects(() => poll(oidc, reg, auth.deviceCode ?? ''))) instanceof SlowDownException);
  });
});

test('expired device code, denied sign-in, bad client, unsupported grant', async () => {
  await withEmulator({}, async (emu, oidc) => {
    const reg = await register(oidc);
    const expiring = await startAuth(oidc, reg);
    emu.advance(600_000);
    assert.deepEqual(emu.pendingUserCodes(), []);
    assert.throws(() => emu.approve(expiring.userCode), /expired/);
    const expired = await rejects(() => poll(oidc, reg, expiring.deviceCode));
    assert.ok(expired instanceof ExpiredTokenException);
    assert.equal(expired.error, 'expired_token');

    const denied = await startAuth(oidc, reg);
    emu.deny(denied.userCode);
    const err = await rejects(() => poll(oidc, reg, denied.deviceCode));
    assert.ok(err instanceof AccessDeniedException);
    assert.equal(err.error, 'access_denied');

    const other = await startAuth(oidc, reg);
    const badSecret = await rejects(() => oidc.send(new CreateTokenCommand({ clientId: reg.clientId, clientSecret: 'wrong', grantType: DEVICE_GRANT, deviceCode: other.deviceCode })));
    assert.ok(badSecret instanceof InvalidClientException);
    assert.equal(badSecret.$metadata?.httpStatusCode, 401);
    assert.ok((await rejects(() => oidc.send(new StartDeviceAuthorizationCommand({ clientId: 'nope', clientSecret: 'x', startUrl: START_URL })))) instanceof InvalidClientException);
    const grant = await rejects(() => oidc.send(new CreateTokenCommand({ clientId: reg.clientId, clientSecret: reg.clientSecret, grantType: 'authorization_code', code: 'x' })));
    assert.ok(grant instanceof UnsupportedGrantTypeException);
    emu.advance(90 * 86_400_000); // the registration itself expires
    assert.ok((await rejects(() => startAuth(oidc, reg))) instanceof InvalidClientException);
    assert.equal(emu.counts['rejected:InvalidClientException'], 3);
  });
});

test('refresh grant: new access and refresh tokens, the old refresh token retired; none without scopes; ends with the session', async () => {
  await withEmulator({}, async (emu, oidc, sso) => {
    emu.entitle(ACCOUNT, 'Admin');
    const { reg, token } = await signIn(emu, oidc);
    const refresh = (refreshToken: string): Promise<CreateTokenCommandOutput> =>
      oidc.send(new CreateTokenCommand({ clientId: reg.clientId, clientSecret: reg.clientSecret, grantType: 'refresh_token', refreshToken }));
    emu.setAccessTokenLifetimeSeconds(900);
    const next = await refresh(token.refreshToken ?? '');
    assert.notEqual(next.accessToken, token.accessToken);
    assert.equal(next.expiresIn, 900);
    assert.ok(next.refreshToken && next.refreshToken !== token.refreshToken);
    const reused = await rejects(() => refresh(token.refreshToken ?? ''));
    assert.ok(reused instanceof InvalidGrantException);
    assert.equal(reused.error, 'invalid_grant');
    assert.ok((await rejects(() => refresh('aorAAAAAGbogus'))) instanceof InvalidGrantException);
    const creds = await sso.send(new GetRoleCredentialsCommand({ accessToken: next.accessToken ?? '', accountId: ACCOUNT, roleName: 'Admin' }));
    assert.ok(creds.roleCredentials?.accessKeyId);
    emu.advance(901_000);
    assert.ok((await rejects(() => sso.send(new GetRoleCredentialsCommand({ accessToken: next.accessToken ?? '', accountId: ACCOUNT, roleName: 'Admin' })))) instanceof UnauthorizedException);
    const later = await refresh(next.refreshToken ?? ''); // refresh still works after the access token expired
    assert.ok(later.accessToken);
    assert.equal(emu.counts['CreateToken:refresh'], 4);
    assert.equal(emu.counts['rejected:InvalidGrantException'], 2);

    const legacy = await signIn(emu, oidc, { scopes: null });
    assert.equal(legacy.token.refreshToken, undefined, 'no refresh token for a registration without scopes');

    emu.setSessionLifetimeSeconds(3600);
    emu.setAccessTokenLifetimeSeconds(8 * 3600);
    // The session's hour runs from approval; the token is issued a moment later, so it has
    // 3600 s minus however long sign-in took (measured on the emulator's clock) — never the 8 h.
    const signInAt = emu.now();
    const short = await signIn(emu, oidc);
    const took = Math.ceil((emu.now() - signInAt) / 1000);
    const left = short.token.expiresIn ?? 0;
    assert.ok(left <= 3600 && left >= 3600 - took, `the access token ends with the session: ${left} s left, sign-in took ≤ ${took} s`);
    emu.advance(3600_000);
    const ended = await rejects(() => oidc.send(new CreateTokenCommand({ clientId: short.reg.clientId, clientSecret: short.reg.clientSecret, grantType: 'refresh_token', refreshToken: short.token.refreshToken ?? '' })));
    assert.ok(ended instanceof InvalidGrantException);
  });
  await withEmulator({ rotateRefreshTokens: false }, async (emu, oidc) => {
    const { reg, token } = await signIn(emu, oidc);
    for (let i = 0; i < 2; i++) {
      const out = await oidc.send(new CreateTokenCommand({ clientId: reg.clientId, clientSecret: reg.clientSecret, grantType: 'refresh_token', refreshToken: token.refreshToken ?? '' }));
      assert.equal(out.refreshToken, token.refreshToken);
    }
  });
});

test('GetRoleCredentials: ok when entitled, UnauthorizedException for a bad or expired token, ForbiddenException otherwise', async () => {
  await withEmulator({}, async (emu, oidc, sso) => {
    emu.entitle(ACCOUNT, 'Admin', { sessionDurationSeconds: 7200 });
    emu.entitle('222222222222', 'ReadOnly', { user: 'alice@example.com' });
    emu.entitle('333333333333', 'Ops', { startUrl: 'https://other.awsapps.com/start' });
    const { accessToken } = await signIn(emu, oidc, { user: 'bob@example.com' });
    const get = (roleName: string, accountId = ACCOUNT, token = accessToken) => sso.send(new GetRoleCredentialsCommand({ accessToken: token, accountId, roleName }));

    const before = emu.now();
    const { roleCredentials: rc } = await get('Admin');
    assert.match(rc?.accessKeyId ?? '', /^ASIA[A-Z0-9]{16}$/);
    assert.ok(rc?.secretAccessKey && rc.sessionToken);
    assert.equal(typeof rc?.expiration, 'number', 'epoch milliseconds');
    assert.ok(Math.abs((rc?.expiration ?? 0) - (before + 7200_000)) < 2000);

    const bad = await rejects(() => get('Admin', ACCOUNT, 'not-a-token'));
    assert.ok(bad instanceof UnauthorizedException);
    assert.equal(bad.$metadata?.httpStatusCode, 401);
    assert.equal(bad.message, 'Session token not found or invalid');

    for (const [role, account] of [['ReadOnly', '222222222222'], ['Ops', '333333333333'], ['Nope', ACCOUNT]] as const) {
      const forbidden = await rejects(() => get(role, account));
      assert.equal(forbidden.name, 'ForbiddenException', 'not in the model: the SDK throws its base exception, named after x-amzn-ErrorType');
      assert.ok(forbidden instanceof SSOServiceException);
      assert.equal(forbidden.$metadata?.httpStatusCode, 403);
      assert.equal(forbidden.message, 'No access');
    }

    const accounts = await sso.send(new ListAccountsCommand({ accessToken }));
    assert.deepEqual(accounts.accountList?.map((a) => a.accountId), [ACCOUNT]);
    const roles = await sso.send(new ListAccountRolesCommand({ accessToken, accountId: ACCOUNT }));
    assert.deepEqual(roles.roleList, [{ roleName: 'Admin', accountId: ACCOUNT }]);

    emu.advance(8 * 3600_000);
    assert.ok((await rejects(() => get('Admin'))) instanceof UnauthorizedException);
    assert.equal(emu.counts['GetRoleCredentials'], 6);
    assert.equal(emu.counts['rejected:ForbiddenException'], 3);
    assert.equal(emu.counts['rejected:UnauthorizedException'], 2);
  });
});

test('Logout revokes the access token and its refresh token; revokeAll ends every session', async () => {
  await withEmulator({}, async (emu, oidc, sso) => {
    emu.entitle(ACCOUNT, 'Admin');
    const { reg, token, accessToken } = await signIn(emu, oidc);
    await sso.send(new LogoutCommand({ accessToken }));
    assert.ok((await rejects(() => sso.send(new GetRoleCredentialsCommand({ accessToken, accountId: ACCOUNT, roleName: 'Admin' })))) instanceof UnauthorizedException);
    assert.ok((await rejects(() => oidc.send(new CreateTokenCommand({ clientId: reg.clientId, clientSecret: reg.clientSecret, grantType: 'refresh_token', refreshToken: token.refreshToken ?? '' })))) instanceof InvalidGrantException);
    assert.ok((await rejects(() => sso.send(new LogoutCommand({ accessToken })))) instanceof UnauthorizedException);

    const again = await signIn(emu, oidc);
    emu.revokeAll();
    assert.ok((await rejects(() => sso.send(new GetRoleCredentialsCommand({ accessToken: again.accessToken, accountId: ACCOUNT, roleName: 'Admin' })))) instanceof UnauthorizedException);
    assert.equal(emu.counts['Logout'], 2);
  });
});

test('faults: throttle is a retried 429, down drops the connection', async () => {
  await withEmulator({}, async (emu, oidc) => {
    emu.setFault({ kind: 'throttle' }, { times: 1, actions: ['RegisterClient'] });
    await register(oidc); // the SDK retries the 429
    assert.equal(emu.counts['RegisterClient'], 2);
    assert.equal(emu.counts['rejected:TooManyRequestsException'], 1);
    emu.setFault({ kind: 'down' }, { actions: ['RegisterClient'] });
    const once = new SSOOIDCClient({ region: 'us-east-1', endpoint: emu.url, maxAttempts: 1 });
    const err = await rejects(() => once.send(new RegisterClientCommand({ clientName: 'x', clientType: 'public' })));
    once.destroy();
    assert.ok(!(err instanceof SSOServiceException), 'a network error, not a service error');
    assert.equal(emu.counts['rejected:ConnectionDropped'], undefined);
    emu.setFault(null);
  });
});

test('the issue hook mints role credentials at the STS emulator: GetCallerIdentity shows the assumed role', async () => {
  const sts = await startStsEmulator();
  const role = sts.createRole({ roleName: 'AWSReservedSSO_Admin_0123456789abcdef', accountId: ACCOUNT });
  try {
    await withEmulator({ issue: (_account, _roleName, ctx) => sts.issueRoleSession(role.arn, ctx.user, ctx.durationSeconds) }, async (emu, oidc, sso) => {
      emu.entitle(ACCOUNT, role.roleName);
      const { accessToken } = await signIn(emu, oidc, { user: 'alice@example.com' });
      const { roleCredentials: rc } = await sso.send(new GetRoleCredentialsCommand({ accessToken, accountId: ACCOUNT, roleName: role.roleName }));
      assert.ok(rc?.accessKeyId && rc.secretAccessKey && rc.sessionToken);
      const client = new STSClient({ region: 'us-east-1', endpoint: sts.url, credentials: { accessKeyId: rc.accessKeyId, secretAccessKey: rc.secretAccessKey, sessionToken: rc.sessionToken } });
      const me = await client.send(new GetCallerIdentityCommand({}));
      assert.equal(me.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/${role.roleName}/alice@example.com`);
      client.destroy();
      assert.throws(() => sts.issueRoleSession(`arn:aws:iam::${ACCOUNT}:role/Missing`, 'x-session'), /no such role/);
    });
  } finally {
    await sts.close();
  }
});

test('admin API: another process drives the emulator', async () => {
  const emu = await startSsoEmulator({ admin: true });
  const oidc = new SSOOIDCClient({ region: 'us-east-1', endpoint: emu.url });
  try {
    const admin = await connectSsoEmulator(emu.url);
    await admin.entitle(ACCOUNT, 'Admin', { user: 'carol@example.com' });
    const reg = await register(oidc);
    const { deviceCode, userCode } = await startAuth(oidc, reg);
    assert.deepEqual(await admin.pendingUserCodes(), [userCode]);
    await admin.approve(userCode, { user: 'carol@example.com' });
    const token = await poll(oidc, reg, deviceCode);
    const sso = new SSOClient({ region: 'us-east-1', endpoint: emu.url });
    await sso.send(new GetRoleCredentialsCommand({ accessToken: token.accessToken ?? '', accountId: ACCOUNT, roleName: 'Admin' }));
    sso.destroy();
    assert.equal((await admin.counts())['GetRoleCredentials'], 1);
    await admin.advance(5000);
    assert.ok((await admin.now()) >= Date.now() + 4000);
    await assert.rejects(admin.approve('ZZZZ-ZZZZ'), /no such user code/);
    await admin.resetCounts();
    assert.deepEqual(await admin.counts(), {});
  } finally {
    oidc.destroy();
    await emu.close();
  }
});

// ---- the JS SDK's own SSO provider, and botocore, against a token cache in a temp HOME ----

/** The AWS CLI v2 token cache entry for an sso-session (and what credd writes). */
interface CacheEntry {
  startUrl: string; region: string; accessToken: string; expiresAt: string;
  clientId?: string; clientSecret?: string; registrationExpiresAt?: string; refreshToken?: string;
}
const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const cacheFile = (home: string, key: string): string => path.join(home, '.aws', 'sso', 'cache', `${createHash('sha1').update(key).digest('hex')}.json`);

const CONFIG = `[profile dev]
sso_session = corp
sso_account_id = ${ACCOUNT}
sso_role_name = Admin
region = us-east-1

[sso-session corp]
sso_start_url = ${START_URL}
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile legacy]
sso_start_url = ${START_URL}
sso_region = us-east-1
sso_account_id = ${ACCOUNT}
sso_role_name = Admin
region = us-east-1
`;

async function withHome(fn: (home: string, env: NodeJS.ProcessEnv) => Promise<void>, emu: SsoEmulator): Promise<void> {
  const home = await mkdtemp(path.join(tmpdir(), 'sso-emu-'));
  try {
    await mkdir(path.join(home, '.aws', 'sso', 'cache'), { recursive: true });
    await writeFile(path.join(home, '.aws', 'config'), CONFIG);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'], HOME: home, AWS_CONFIG_FILE: path.join(home, '.aws', 'config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(home, '.aws', 'credentials'),
      AWS_ENDPOINT_URL_SSO: emu.url, AWS_ENDPOINT_URL_SSO_OIDC: emu.url, AWS_EC2_METADATA_DISABLED: 'true',
    };
    await fn(home, env);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** fromSSO in a fresh process (the SDK keeps per-process refresh state), endpoints from the env. */
function fromSsoInChild(env: NodeJS.ProcessEnv, profile: string): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: string }> {
  const script = `import { fromSSO } from '@aws-sdk/credential-providers';
const c = await fromSSO({ profile: ${JSON.stringify(profile)} })();
process.stdout.write(JSON.stringify({ ...c, expiration: c.expiration?.toISOString() }));`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO, env, timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`fromSSO child failed: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout) as { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: string });
    });
  });
}

test('the JS SDK fromSSO provider accepts an AWS CLI v2 cache file (sha1 of the sso-session name) and refreshes it through the emulator', async () => {
  await withEmulator({}, async (emu, oidc) => {
    emu.entitle(ACCOUNT, 'Admin');
    await withHome(async (home, env) => {
      const { reg, token } = await signIn(emu, oidc);
      const entry: CacheEntry = {
        startUrl: START_URL, region: 'us-east-1', accessToken: token.accessToken ?? '', expiresAt: isoSeconds(Date.now() + (token.expiresIn ?? 0) * 1000),
        clientId: reg.clientId, clientSecret: reg.clientSecret, registrationExpiresAt: isoSeconds(reg.clientSecretExpiresAt * 1000), refreshToken: token.refreshToken ?? '',
      };
      const file = cacheFile(home, 'corp');
      await writeFile(file, JSON.stringify(entry), { mode: 0o600 });
      emu.resetCounts();
      const creds = await fromSsoInChild(env, 'dev');
      assert.match(creds.accessKeyId, /^ASIA/);
      assert.ok(Date.parse(creds.expiration) > Date.now());
      assert.deepEqual(emu.counts, { GetRoleCredentials: 1 }, 'a fresh token is used as is');

      // Within 5 minutes of expiry the SDK refreshes with the refresh token and rewrites the file.
      await writeFile(file, JSON.stringify({ ...entry, expiresAt: isoSeconds(Date.now() + 60_000) }));
      await fromSsoInChild(env, 'dev');
      assert.deepEqual(emu.counts, { GetRoleCredentials: 2, 'CreateToken:refresh': 1 });
      const written = JSON.parse(await readFile(file, 'utf8')) as CacheEntry;
      assert.deepEqual(Object.keys(written).sort(), ['accessToken', 'clientId', 'clientSecret', 'expiresAt', 'refreshToken', 'region', 'registrationExpiresAt', 'startUrl']);
      assert.notEqual(written.accessToken, entry.accessToken);
      assert.notEqual(written.refreshToken, entry.refreshToken, 'the rotated refresh token is saved');
      assert.match(written.expiresAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'the SDK writes milliseconds; botocore and credd write whole seconds');
      assert.equal(written.clientId, entry.clientId);

      // The legacy profile form: the cache key is the start URL; no refresh.
      const legacy = await signIn(emu, oidc, { scopes: null });
      await writeFile(cacheFile(home, START_URL), JSON.stringify({ startUrl: START_URL, region: 'us-east-1', accessToken: legacy.accessToken, expiresAt: isoSeconds(Date.now() + 3600_000) }));
      assert.match((await fromSsoInChild(env, 'legacy')).accessKeyId, /^ASIA/);

      // A logged-out token: the provider fails with the portal's UnauthorizedException.
      emu.revokeAll();
      await assert.rejects(fromSsoInChild(env, 'legacy'), /UnauthorizedException|Session token not found or invalid/);
    }, emu);
  });
});

const awsCli = spawnSync('aws', ['--version'], { encoding: 'utf8' });
test('botocore (the aws CLI) reads the same cache file: sts get-caller-identity shows the SSO role', { skip: awsCli.status !== 0 ? 'no aws CLI on PATH' : false }, async () => {
  const sts = await startStsEmulator();
  const role = sts.createRole({ roleName: 'Admin', accountId: ACCOUNT });
  try {
    await withEmulator({ issue: (_a, _r, ctx) => sts.issueRoleSession(role.arn, ctx.user, ctx.durationSeconds) }, async (emu, oidc) => {
      emu.entitle(ACCOUNT, 'Admin');
      await withHome(async (home, env) => {
        const { reg, token } = await signIn(emu, oidc, { user: 'dave@example.com' });
        const entry: CacheEntry = {
          startUrl: START_URL, region: 'us-east-1', accessToken: token.accessToken ?? '', expiresAt: isoSeconds(Date.now() + 3600_000),
          clientId: reg.clientId, clientSecret: reg.clientSecret, registrationExpiresAt: isoSeconds(reg.clientSecretExpiresAt * 1000), refreshToken: token.refreshToken ?? '',
        };
        await writeFile(cacheFile(home, 'corp'), JSON.stringify(entry), { mode: 0o600 });
        const out = await new Promise<string>((resolve, reject) => {
          execFile('aws', ['sts', 'get-caller-identity', '--profile', 'dev', '--output', 'json'], { env: { ...env, AWS_ENDPOINT_URL_STS: sts.url }, timeout: 30_000 }, (err, stdout, stderr) => {
            if (err) reject(new Error(`aws failed: ${stderr || err.message}`));
            else resolve(stdout);
          });
        });
        assert.equal((JSON.parse(out) as { Arn: string }).Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/dave@example.com`);
        assert.equal(emu.counts['GetRoleCredentials'], 1);
      }, emu);
    });
  } finally {
    await sts.close();
  }
});
