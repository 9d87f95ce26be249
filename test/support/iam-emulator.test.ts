// The emulator's IAM actions and federation endpoint, driven by the real @aws-sdk/client-iam,
// @aws-sdk/client-sts, the real `aws` CLI and plain HTTP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  CreateAccessKeyCommand, DeleteAccessKeyCommand, GetUserCommand, IAMClient, ListAccessKeysCommand, UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, GetSessionTokenCommand, STSClient, type Credentials } from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { startStsEmulator, type StsEmulator } from './sts-emulator.js';
import { connectStsEmulator } from '../shared/sts-emulator-client.js';
import { rejects } from './sdk-rejection.js';

interface Keys { accessKeyId: string; secretAccessKey: string; sessionToken?: string }

const opts = (emu: { url: string }, keys: Keys, maxAttempts: number) => ({
  endpoint: emu.url, region: 'us-east-1', maxAttempts,
  credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey, ...(keys.sessionToken !== undefined && { sessionToken: keys.sessionToken }) },
});
const iam = (emu: { url: string }, keys: Keys, maxAttempts = 1): IAMClient => new IAMClient(opts(emu, keys, maxAttempts));
const sts = (emu: { url: string }, keys: Keys, maxAttempts = 1): STSClient => new STSClient(opts(emu, keys, maxAttempts));

function keysOf(c: Credentials | undefined): Keys {
  assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}

async function withEmulator(fn: (emu: StsEmulator) => Promise<void>): Promise<void> {
  const emu = await startStsEmulator();
  try {
    await fn(emu);
  } finally {
    await emu.close();
  }
}

/** A Query request signed by @smithy/signature-v4 for `service`, sent with fetch. */
async function signedQuery(emu: StsEmulator, keys: Keys, service: string, body: string): Promise<{ status: number; text: string }> {
  const signer = new SignatureV4({ credentials: keys, region: 'us-east-1', service, sha256: Sha256 });
  const host = `127.0.0.1:${emu.port}`;
  const headers = { host, 'content-type': 'application/x-www-form-urlencoded' };
  const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: emu.port, path: '/', query: {}, headers, body });
  const { host: _host, ...sendable } = signed.headers;
  const res = await fetch(`${emu.url}/`, { method: 'POST', headers: sendable, body });
  return { status: res.status, text: await res.text() };
}

const codeOf = (xml: string): string | undefined => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
const explicitDeny = /with an explicit deny in an identity-based policy$/;

test('IAM keys with the real SDK: list, create, the two-key limit, update, delete; sessions outlive their key', async () => {
  await withEmulator(async (emu) => {
    const alice = emu.createUser({ userName: 'alice' });
    const role = emu.createRole({ roleName: 'dev' });
    const first = await iam(emu, alice).send(new ListAccessKeysCommand({}));
    assert.deepEqual(first.AccessKeyMetadata?.map((k) => [k.UserName, k.AccessKeyId, k.Status]), [['alice', alice.accessKeyId, 'Active']]);
    assert.ok(first.AccessKeyMetadata?.[0]?.CreateDate instanceof Date);
    assert.equal(first.IsTruncated, false);

    const created = (await iam(emu, alice).send(new CreateAccessKeyCommand({}))).AccessKey;
    assert.equal(created?.UserName, 'alice');
    assert.equal(created?.Status, 'Active');
    assert.match(created?.AccessKeyId ?? '', /^AKIA[A-Z0-9]{16}$/);
    assert.equal(created?.SecretAccessKey?.length, 40);
    const fresh = { accessKeyId: created?.AccessKeyId ?? '', secretAccessKey: created?.SecretAccessKey ?? '' };
    assert.equal((await sts(emu, fresh).send(new GetCallerIdentityCommand({}))).Arn, alice.arn);
    assert.deepEqual(emu.accessKeys('alice').map((k) => [k.accessKeyId, k.status]), [[alice.accessKeyId, 'Active'], [fresh.accessKeyId, 'Active']]);

    const third = await rejects(() => iam(emu, fresh).send(new CreateAccessKeyCommand({ UserName: 'alice' })));
    assert.equal(third.name, 'LimitExceededException');
    assert.equal(third.Code, 'LimitExceeded');
    assert.equal(third.$metadata?.httpStatusCode, 409);
    assert.equal(third.message, 'Cannot exceed quota for AccessKeysPerUser: 2');

    // Sessions issued by the old key, before it goes.
    const roleSession = keysOf((await sts(emu, alice).send(new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: 'before' }))).Credentials);
    const userSession = keysOf((await sts(emu, alice).send(new GetSessionTokenCommand({ DurationSeconds: 900 }))).Credentials);

    await iam(emu, fresh).send(new UpdateAccessKeyCommand({ AccessKeyId: alice.accessKeyId, Status: 'Inactive' }));
    assert.equal((await rejects(() => sts(emu, alice).send(new GetCallerIdentityCommand({})))).name, 'InvalidClientTokenId');
    assert.equal(emu.accessKeys('alice')[0]?.status, 'Inactive');
    await iam(emu, fresh).send(new UpdateAccessKeyCommand({ AccessKeyId: alice.accessKeyId, Status: 'Active' }));
    assert.equal((await sts(emu, alice).send(new GetCallerIdentityCommand({}))).Arn, alice.arn);
    const badStatus = await rejects(() => iam(emu, fresh).send(new UpdateAccessKeyCommand({ AccessKeyId: alice.accessKeyId, Status: 'Gone' as 'Active' })));
    assert.equal(badStatus.name, 'ValidationError');
    assert.equal(badStatus.$metadata?.httpStatusCode, 400);

    await iam(emu, fresh).send(new DeleteAccessKeyCommand({ AccessKeyId: alice.accessKeyId }));
    for (const call of [() => sts(emu, alice).send(new GetCallerIdentityCommand({})), () => iam(emu, alice).send(new ListAccessKeysCommand({}))]) {
      const gone = await rejects(call);
      assert.equal(gone.name, 'InvalidClientTokenId');
      assert.equal(gone.$metadata?.httpStatusCode, 403);
    }
    const again = await rejects(() => iam(emu, fresh).send(new DeleteAccessKeyCommand({ AccessKeyId: alice.accessKeyId, UserName: 'alice' })));
    assert.equal(again.name, 'NoSuchEntityException');
    assert.equal(again.$metadata?.httpStatusCode, 404);
    assert.equal(again.message, `The Access Key with id ${alice.accessKeyId} cannot be found.`);
    assert.equal((await sts(emu, roleSession).send(new GetCallerIdentityCommand({}))).Arn, 'arn:aws:sts::123456789012:assumed-role/dev/before');
    assert.equal((await sts(emu, userSession).send(new GetCallerIdentityCommand({}))).Arn, alice.arn);
    emu.advance(901_000);
    assert.equal((await rejects(() => sts(emu, userSession).send(new GetCallerIdentityCommand({})))).name, 'ExpiredToken');

    const user = (await iam(emu, fresh).send(new GetUserCommand({}))).User;
    assert.deepEqual([user?.UserName, user?.Arn, user?.Path], ['alice', alice.arn, '/']);
    assert.match(user?.UserId ?? '', /^AIDA[A-Z0-9]{16}$/);
    assert.ok(user?.CreateDate instanceof Date);

    // Only one's own keys; roles have no user.
    emu.createUser({ userName: 'bob' });
    const foreign = await rejects(() => iam(emu, fresh).send(new ListAccessKeysCommand({ UserName: 'bob' })));
    assert.equal(foreign.name, 'AccessDenied');
    assert.equal(foreign.message, `User: ${alice.arn} is not authorized to perform: iam:ListAccessKeys on resource: user bob because no identity-based policy allows the iam:ListAccessKeys action`);
    const asRole = await rejects(() => iam(emu, roleSession).send(new ListAccessKeysCommand({})));
    assert.equal(asRole.name, 'ValidationError');
    assert.equal(asRole.message, 'Must specify userName when calling with non-User credentials');
    assert.equal((await rejects(() => iam(emu, roleSession).send(new CreateAccessKeyCommand({ UserName: 'alice' })))).name, 'AccessDenied');

    const counts = emu.counts;
    assert.deepEqual([counts.ListAccessKeys, counts.CreateAccessKey, counts.UpdateAccessKey, counts.DeleteAccessKey, counts.GetUser], [4, 3, 3, 2, 1]);
    assert.equal(counts['rejected:LimitExceeded'], 1);
    assert.equal(counts['rejected:NoSuchEntity'], 1);
  });
});

test('IAM over raw SigV4: "iam" scope for IAM actions, "sts" for STS ones; IAM XML namespace; body tampering caught', async () => {
  await withEmulator(async (emu) => {
    const alice = emu.createUser({ userName: 'alice' });
    const list = 'Action=ListAccessKeys&Version=2010-05-08';
    const ok = await signedQuery(emu, alice, 'iam', list);
    assert.equal(ok.status, 200, ok.text);
    assert.match(ok.text, /^<ListAccessKeysResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/">/);
    assert.match(ok.text, /<AccessKeyMetadata><member><UserName>alice<\/UserName>/);

    const wrongScope = await signedQuery(emu, alice, 'sts', list);
    assert.equal(wrongScope.status, 403);
    assert.equal(codeOf(wrongScope.text), 'SignatureDoesNotMatch');
    assert.match(wrongScope.text, /Credential should be scoped to correct service: &apos;iam&apos;/);
    assert.match(wrongScope.text, /<ErrorResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/">/);
    const stsWithIamScope = await signedQuery(emu, alice, 'iam', 'Action=GetCallerIdentity&Version=2011-06-15');
    assert.equal(codeOf(stsWithIamScope.text), 'SignatureDoesNotMatch');
    assert.match(stsWithIamScope.text, /scoped to correct service: &apos;sts&apos;/);

    const unknown = await signedQuery(emu, alice, 'iam', 'Action=DeleteUser&Version=2010-05-08&UserName=alice');
    assert.equal(unknown.status, 400);
    assert.equal(codeOf(unknown.text), 'InvalidAction');
    assert.equal(codeOf((await signedQuery(emu, alice, 'iam', 'Action=GetCallerIdentity&Version=2010-05-08')).text), 'InvalidAction');

    // Signed for one key id, sent for another: only the payload hash can tell.
    const signer = new SignatureV4({ credentials: alice, region: 'us-east-1', service: 'iam', sha256: Sha256 });
    const body = 'Action=DeleteAccessKey&Version=2010-05-08&AccessKeyId=AKIAAAAAAAAAAAAAAAAA';
    const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: emu.port, path: '/', query: {}, headers: { host: `127.0.0.1:${emu.port}`, 'content-type': 'application/x-www-form-urlencoded' }, body });
    const { host: _host, ...headers } = signed.headers;
    const tampered = await fetch(`${emu.url}/`, { method: 'POST', headers, body: body.replace('AAAAAAAAAAAAAAAAA', 'BBBBBBBBBBBBBBBBB') });
    assert.equal(codeOf(await tampered.text()), 'SignatureDoesNotMatch');
    assert.equal(emu.accessKeys('alice').length, 1);
  });
});

test('requireMfa: everything but GetSessionToken (and GetCallerIdentity) denied without MFA; the MFA session manages its own keys', async () => {
  await withEmulator(async (emu) => {
    const carol = emu.createUser({ userName: 'carol', requireMfa: true });
    const { serial } = emu.addMfaDevice('carol');
    const dev = emu.createRole({ roleName: 'dev' });

    for (const call of [
      () => iam(emu, carol).send(new ListAccessKeysCommand({})),
      () => iam(emu, carol).send(new CreateAccessKeyCommand({})),
      () => iam(emu, carol).send(new DeleteAccessKeyCommand({ AccessKeyId: carol.accessKeyId })),
      () => iam(emu, carol).send(new GetUserCommand({})),
    ]) {
      const denied = await rejects(call);
      assert.equal(denied.name, 'AccessDenied');
      assert.equal(denied.$metadata?.httpStatusCode, 403);
      assert.match(denied.message, explicitDeny);
    }
    const assume = await rejects(() => sts(emu, carol).send(new AssumeRoleCommand({ RoleArn: dev.arn, RoleSessionName: 'plain' })));
    assert.equal(assume.name, 'AccessDenied');
    assert.equal(assume.message, `User: ${carol.arn} is not authorized to perform: sts:AssumeRole on resource: ${dev.arn} with an explicit deny in an identity-based policy`);
    assert.equal((await sts(emu, carol).send(new GetCallerIdentityCommand({}))).Arn, carol.arn);

    // A session without MFA is no better: IAM refuses such sessions outright (AWS), STS by the policy.
    const noMfa = keysOf((await sts(emu, carol).send(new GetSessionTokenCommand({}))).Credentials);
    assert.equal((await rejects(() => iam(emu, noMfa).send(new ListAccessKeysCommand({})))).name, 'InvalidClientTokenId');
    assert.match((await rejects(() => sts(emu, noMfa).send(new AssumeRoleCommand({ RoleArn: dev.arn, RoleSessionName: 'nomfa' })))).message, explicitDeny);

    const mfa = keysOf((await sts(emu, carol).send(new GetSessionTokenCommand({ SerialNumber: serial, TokenCode: emu.totp(serial) }))).Credentials);
    assert.equal((await iam(emu, mfa).send(new ListAccessKeysCommand({ UserName: 'carol' }))).AccessKeyMetadata?.length, 1);
    const created = (await iam(emu, mfa).send(new CreateAccessKeyCommand({}))).AccessKey;
    const newKey = { accessKeyId: created?.AccessKeyId ?? '', secretAccessKey: created?.SecretAccessKey ?? '' };
    assert.equal((await sts(emu, newKey).send(new GetCallerIdentityCommand({}))).Arn, carol.arn); // how a rotation verifies a key
    await iam(emu, mfa).send(new DeleteAccessKeyCommand({ AccessKeyId: carol.accessKeyId }));
    assert.deepEqual(emu.accessKeys('carol').map((k) => k.accessKeyId), [newKey.accessKeyId]);
    assert.match((await rejects(() => iam(emu, newKey).send(new ListAccessKeysCommand({})))).message, explicitDeny);
    emu.createUser({ userName: 'dave' });
    assert.match((await rejects(() => iam(emu, mfa).send(new ListAccessKeysCommand({ UserName: 'dave' })))).message, /because no identity-based policy allows/);

    // AssumeRole: with the MFA session, or with the key plus an inline code; the role session is not subject to carol's policy.
    const viaSession = await sts(emu, mfa).send(new AssumeRoleCommand({ RoleArn: dev.arn, RoleSessionName: 'via-session' }));
    assert.equal(viaSession.AssumedRoleUser?.Arn, 'arn:aws:sts::123456789012:assumed-role/dev/via-session');
    emu.advance(30_000);
    const inline = await sts(emu, newKey).send(new AssumeRoleCommand({ RoleArn: dev.arn, RoleSessionName: 'inline', SerialNumber: serial, TokenCode: emu.totp(serial) }));
    const roleKeys = keysOf(inline.Credentials);
    assert.equal((await sts(emu, roleKeys).send(new AssumeRoleCommand({ RoleArn: dev.arn, RoleSessionName: 'chained' }))).AssumedRoleUser?.Arn, 'arn:aws:sts::123456789012:assumed-role/dev/chained');

    // Users without the policy are unaffected, but their non-MFA sessions still cannot call IAM.
    const erin = emu.createUser({ userName: 'erin' });
    assert.equal((await iam(emu, erin).send(new ListAccessKeysCommand({}))).AccessKeyMetadata?.length, 1);
    const erinSession = keysOf((await sts(emu, erin).send(new GetSessionTokenCommand({}))).Credentials);
    assert.equal((await rejects(() => iam(emu, erinSession).send(new GetUserCommand({})))).name, 'InvalidClientTokenId');
  });
});

test('faults apply to IAM actions: a failing DeleteAccessKey between a working create and a retry', async () => {
  await withEmulator(async (emu) => {
    const alice = emu.createUser({ userName: 'alice' });
    emu.setFault({ kind: 'server-error' }, { actions: ['DeleteAccessKey'] });
    const created = (await iam(emu, alice).send(new CreateAccessKeyCommand({}))).AccessKey;
    const failed = await rejects(() => iam(emu, alice, 2).send(new DeleteAccessKeyCommand({ AccessKeyId: alice.accessKeyId })));
    assert.equal(failed.name, 'InternalFailure');
    assert.equal(failed.$metadata?.httpStatusCode, 500);
    assert.equal(failed.$metadata?.attempts, 2);
    assert.equal(emu.accessKeys('alice').length, 2);
    assert.equal((await sts(emu, alice).send(new GetCallerIdentityCommand({}))).Arn, alice.arn);
    emu.setFault(null);

    emu.setFault({ kind: 'throttle' }, { times: 1, actions: ['DeleteAccessKey'] });
    const retried = await iam(emu, alice, 3).send(new DeleteAccessKeyCommand({ AccessKeyId: created?.AccessKeyId ?? '' }));
    assert.equal(retried.$metadata.attempts, 2);
    emu.setFault({ kind: 'down' }, { times: 1, actions: ['ListAccessKeys'] });
    const down = await rejects(() => iam(emu, alice).send(new ListAccessKeysCommand({})));
    assert.match(`${down.name} ${down.code ?? ''} ${down.message}`, /ECONNRESET|socket hang up/i);

    assert.deepEqual(emu.counts, {
      CreateAccessKey: 1, DeleteAccessKey: 4, ListAccessKeys: 1, GetCallerIdentity: 1,
      'rejected:InternalFailure': 2, 'rejected:Throttling': 1,
    });
    assert.deepEqual(emu.calls.map((c) => [c.action, c.code ?? null]), [
      ['CreateAccessKey', null], ['DeleteAccessKey', 'InternalFailure'], ['DeleteAccessKey', 'InternalFailure'], ['GetCallerIdentity', null],
      ['DeleteAccessKey', 'Throttling'], ['DeleteAccessKey', null], ['ListAccessKeys', 'ConnectionDropped'],
    ]);
    assert.ok(emu.calls.every((c) => c.accessKeyId === alice.accessKeyId));
  });
});

async function getSigninToken(emu: { federationUrl: string }, session: object | string, extra: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const q = new URLSearchParams({ Action: 'getSigninToken', ...extra, Session: typeof session === 'string' ? session : JSON.stringify(session) });
  const res = await fetch(`${emu.federationUrl}?${q.toString()}`);
  return { status: res.status, text: await res.text() };
}
const asSession = (k: Keys): object => ({ sessionId: k.accessKeyId, sessionKey: k.secretAccessKey, sessionToken: k.sessionToken });
async function login(emu: { federationUrl: string }, token: string, destination = 'https://console.aws.amazon.com/'): Promise<Response> {
  const q = new URLSearchParams({ Action: 'login', Issuer: 'credd', Destination: destination, SigninToken: token });
  return fetch(`${emu.federationUrl}?${q.toString()}`, { redirect: 'manual' });
}

test('federation: getSigninToken for role sessions only, SessionDuration 900..43200, login redirects once within 15 minutes', async () => {
  await withEmulator(async (emu) => {
    const alice = emu.createUser({ userName: 'alice' });
    const { serial } = emu.addMfaDevice('alice');
    const dev = emu.createRole({ roleName: 'dev' });
    assert.equal(emu.federationUrl, `${emu.url}/federation`);
    const role = keysOf((await sts(emu, alice).send(new AssumeRoleCommand({ RoleArn: dev.arn, RoleSessionName: 'console' }))).Credentials);

    const issued = await getSigninToken(emu, asSession(role));
    assert.equal(issued.status, 200, issued.text);
    const token = (JSON.parse(issued.text) as { SigninToken: string }).SigninToken;
    assert.match(token, /^[\w-]{200,}$/);
    const [info] = emu.signinTokens();
    assert.deepEqual({ ...info, at: 0, expiresAt: (info?.expiresAt ?? 0) - (info?.at ?? 0) }, {
      token, accessKeyId: role.accessKeyId, roleArn: dev.arn, assumedRoleArn: 'arn:aws:sts::123456789012:assumed-role/dev/console',
      at: 0, expiresAt: 900_000, sessionDuration: undefined, login: undefined,
    });

    const redirect = await login(emu, token, 'https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1');
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.get('location'), 'https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1');
    assert.deepEqual(emu.signinTokens()[0]?.login, { at: emu.signinTokens()[0]?.login?.at, issuer: 'credd', destination: 'https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1' });
    const reused = await login(emu, token);
    assert.equal(reused.status, 400);
    assert.match(await reused.text(), /already used/);

    // Python's quote_plus style (json.dumps spacing, '+' for spaces) and the longest console session.
    const spaced = `{"sessionId": "${role.accessKeyId}", "sessionKey": "${role.secretAccessKey}", "sessionToken": "${role.sessionToken ?? ''}"}`;
    const long = await getSigninToken(emu, spaced, { SessionDuration: '43200' });
    assert.equal(long.status, 200, long.text);
    assert.equal(emu.signinTokens()[1]?.sessionDuration, 43200);
    emu.advance(15 * 60_000);
    const late = await login(emu, (JSON.parse(long.text) as { SigninToken: string }).SigninToken);
    assert.equal(late.status, 400);
    assert.match(await late.text(), /expired/);

    const mfaSession = keysOf((await sts(emu, alice).send(new GetSessionTokenCommand({ SerialNumber: serial, TokenCode: emu.totp(serial) }))).Credentials);
    const refusals: Array<[object | string, Record<string, string>, RegExp]> = [
      [{ sessionId: alice.accessKeyId, sessionKey: alice.secretAccessKey, sessionToken: 'x' }, {}, /Long-term access keys/],
      [asSession(mfaSession), {}, /GetSessionToken credentials/],
      [{ ...asSession(role), sessionKey: `${role.secretAccessKey}x` }, {}, /not valid/],
      [{ ...asSession(role), sessionToken: `${role.sessionToken ?? ''}x` }, {}, /not valid/],
      [asSession(role), { SessionDuration: '899' }, /900 to 43200/],
      [asSession(role), { SessionDuration: '43201' }, /900 to 43200/],
      [asSession(role), { SessionDuration: '1h' }, /900 to 43200/],
      ['{"sessionId":', {}, /not JSON/],
      [{ sessionId: role.accessKeyId }, {}, /sessionKey/],
    ];
    for (const [session, extra, message] of refusals) {
      const refused = await getSigninToken(emu, session, extra);
      assert.equal(refused.status, 400, refused.text);
      assert.match(refused.text, message);
    }
    emu.advance(45 * 60_000);
    const expired = await getSigninToken(emu, asSession(role));
    assert.equal(expired.status, 400);
    assert.match(expired.text, /expired/);

    assert.equal((await fetch(`${emu.federationUrl}?Action=nope`)).status, 400);
    assert.equal((await fetch(`${emu.federationUrl}?Action=getSigninToken`, { method: 'POST' })).status, 405);
    assert.equal((await login(emu, 'not-a-token')).status, 400);
    assert.equal((await login(emu, token, 'javascript:alert(1)')).status, 400);

    emu.setFault({ kind: 'throttle' }, { times: 1, actions: ['getSigninToken'] });
    assert.equal((await getSigninToken(emu, asSession(role))).status, 429);
    const counts = emu.counts;
    assert.deepEqual([counts.getSigninToken, counts.login, counts['rejected:InvalidCredentials'], counts['rejected:InvalidSigninToken']], [14, 5, 5, 3]);
    assert.deepEqual([counts['rejected:InvalidParameter'], counts['rejected:InvalidAction'], counts['rejected:MethodNotAllowed'], counts['rejected:Throttling']], [6, 1, 1, 1]);
    assert.equal(emu.calls.find((c) => c.action === 'getSigninToken')?.accessKeyId, role.accessKeyId);
  });
});

const awsCli = spawnSync('aws', ['--version'], { stdio: 'ignore' }).status === 0;

function runAws(emu: StsEmulator, keys: Keys, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
  Object.assign(env, {
    AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_DEFAULT_REGION: 'us-east-1', AWS_MAX_ATTEMPTS: '1', AWS_EC2_METADATA_DISABLED: 'true',
  });
  return new Promise((resolve) => {
    // A guard against a hung CLI, not a speed check: four CLIs started at once on a loaded
    // 2-core machine took 21 s before the emulator had their requests.
    execFile('aws', [...args, '--endpoint-url', emu.url, '--output', 'json'], { env, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

test('the real aws CLI lists access keys, and gets the explicit deny of a requireMfa user', { skip: awsCli ? false : 'aws CLI not installed' }, async () => {
  await withEmulator(async (emu) => {
    const alice = emu.createUser({ userName: 'alice' });
    const carol = emu.createUser({ userName: 'carol', requireMfa: true });
    const [ok, denied] = await Promise.all([runAws(emu, alice, ['iam', 'list-access-keys']), runAws(emu, carol, ['iam', 'list-access-keys'])]);
    assert.equal(ok.code, 0, ok.stderr);
    const listed = JSON.parse(ok.stdout) as { AccessKeyMetadata: Array<{ UserName: string; AccessKeyId: string; Status: string }> };
    assert.deepEqual(listed.AccessKeyMetadata.map((k) => [k.UserName, k.AccessKeyId, k.Status]), [['alice', alice.accessKeyId, 'Active']]);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /An error occurred \(AccessDenied\) when calling the ListAccessKeys operation: .*explicit deny/);
    assert.deepEqual(emu.counts, { ListAccessKeys: 2, 'rejected:AccessDenied': 1 });
  });
});

test('the new knobs work across processes through the admin API', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./sts-emulator-main.ts', import.meta.url))], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`emulator exited early (${code})`)));
    });
    const emu = await connectStsEmulator((JSON.parse(line) as { url: string }).url);
    assert.equal(emu.federationUrl, `${emu.url}/federation`);
    const carol = await emu.createUser({ userName: 'carol', requireMfa: true });
    const { serial } = await emu.addMfaDevice('carol');
    const dev = await emu.createRole({ roleName: 'dev' });
    assert.match((await rejects(() => iam(emu, carol).send(new ListAccessKeysCommand({})))).message, explicitDeny);
    const mfa = keysOf((await sts(emu, carol).send(new GetSessionTokenCommand({ SerialNumber: serial, TokenCode: await emu.totp(serial) }))).Credentials);

    await emu.setFault({ kind: 'server-error' }, { actions: ['DeleteAccessKey'] });
    await iam(emu, mfa).send(new CreateAccessKeyCommand({}));
    assert.equal((await rejects(() => iam(emu, mfa).send(new DeleteAccessKeyCommand({ AccessKeyId: carol.accessKeyId })))).name, 'InternalFailure');
    await emu.setFault(null);
    const keys = await emu.accessKeys('carol');
    assert.equal(keys.length, 2);
    assert.deepEqual(keys.map((k) => k.status), ['Active', 'Active']);
    assert.ok(keys.every((k) => typeof k.createdAt === 'number'));

    const role = keysOf((await sts(emu, mfa).send(new AssumeRoleCommand({ RoleArn: dev.arn, RoleSessionName: 'remote' }))).Credentials);
    const token = (JSON.parse((await getSigninToken(emu, asSession(role))).text) as { SigninToken: string }).SigninToken;
    assert.deepEqual((await emu.signinTokens()).map((t) => [t.token, t.roleArn, t.sessionDuration, t.login]), [[token, dev.arn, undefined, undefined]]);
    assert.equal((await login(emu, token)).status, 302);
    assert.equal((await emu.signinTokens())[0]?.login?.issuer, 'credd');
    const counts = await emu.counts();
    assert.deepEqual([counts.CreateAccessKey, counts.DeleteAccessKey, counts.getSigninToken, counts.login], [1, 1, 1, 1]);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
  }
});
