import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  GetSessionTokenCommand,
  STSClient,
  type Credentials,
} from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { startStsEmulator, type StsEmulator } from './sts-emulator.js';
import { connectStsEmulator } from '../shared/sts-emulator-client.js';
import { base32Encode, hotp, matchTotp, totpAt } from './totp.js';
import { rejects } from './sdk-rejection.js';

interface Keys { accessKeyId: string; secretAccessKey: string; sessionToken?: string }

function client(emu: { url: string }, keys: Keys, opts: { maxAttempts?: number; region?: string } = {}): STSClient {
  return new STSClient({
    endpoint: emu.url,
    region: opts.region ?? 'us-east-1',
    credentials: keys.sessionToken === undefined
      ? { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey }
      : { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey, sessionToken: keys.sessionToken },
    maxAttempts: opts.maxAttempts ?? 1,
  });
}

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

interface RawResponse { status: number; headers: Record<string, string | string[] | undefined>; body: string }

function send(emu: StsEmulator, method: string, path: string, headers: Record<string, string>, body: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: emu.port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Signs a POST with @smithy/signature-v4 (independent of the emulator's verifier). */
async function signedPost(emu: StsEmulator, keys: Keys, body: string, opts: { applyChecksum?: boolean; date?: Date } = {}): Promise<Record<string, string>> {
  const signer = new SignatureV4({ credentials: keys, region: 'us-east-1', service: 'sts', sha256: Sha256, applyChecksum: opts.applyChecksum ?? true });
  const signed = await signer.sign(
    {
      method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: emu.port, path: '/', query: {},
      headers: { host: `127.0.0.1:${emu.port}`, 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) },
      body,
    },
    opts.date ? { signingDate: opts.date } : {},
  );
  return signed.headers;
}

const codeOf = (xml: string): string | undefined => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];

test('TOTP matches the RFC 6238 SHA-1 vectors and honours the window and reuse rules', () => {
  const secret = base32Encode(Buffer.from('12345678901234567890'));
  assert.equal(hotp(Buffer.from('12345678901234567890'), 0), '755224'); // RFC 4226 appendix D
  assert.equal(totpAt(secret, 59_000), '287082');
  assert.equal(totpAt(secret, 1_111_111_109_000), '081804');
  assert.equal(totpAt(secret, 1_234_567_890_000), '005924');
  assert.equal(totpAt(secret, 2_000_000_000_000), '279037');
  const t = 1_234_567_890_000;
  assert.equal(matchTotp(secret, totpAt(secret, t - 30_000), t), Math.floor(t / 30_000) - 1);
  assert.equal(matchTotp(secret, totpAt(secret, t - 60_000), t), undefined);
  assert.equal(matchTotp(secret, totpAt(secret, t), t, 1, () => true), undefined);
});

test('GetCallerIdentity with a user key; wrong secret, unknown and deactivated keys are refused', async () => {
  await withEmulator(async (emu) => {
    const alice = emu.createUser({ userName: 'alice' });
    assert.match(alice.accessKeyId, /^AKIA[A-Z0-9]{16}$/);
    assert.equal(alice.secretAccessKey.length, 40);
    const id = await client(emu, alice, { region: 'eu-central-1' }).send(new GetCallerIdentityCommand({}));
    assert.equal(id.Arn, 'arn:aws:iam::123456789012:user/alice');
    assert.equal(id.Account, '123456789012');
    assert.match(id.UserId ?? '', /^AIDA[A-Z0-9]{16}$/);
    assert.match(id.$metadata.requestId ?? '', /^[0-9a-f-]{36}$/);

    // Another last character, whatever the secret ends with (one secret in ~60 ends in any given one).
    const last = alice.secretAccessKey.endsWith('x') ? 'y' : 'x';
    const wrong = await rejects(() => client(emu, { ...alice, secretAccessKey: `${alice.secretAccessKey.slice(0, -1)}${last}` }).send(new GetCallerIdentityCommand({})));
    assert.equal(wrong.name, 'SignatureDoesNotMatch');
    assert.equal(wrong.$metadata?.httpStatusCode, 403);

    const unknown = await rejects(() => client(emu, { accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: alice.secretAccessKey }).send(new GetCallerIdentityCommand({})));
    assert.equal(unknown.name, 'InvalidClientTokenId');
    assert.equal(unknown.$metadata?.httpStatusCode, 403);

    emu.deactivateKey(alice.accessKeyId);
    const inactive = await rejects(() => client(emu, alice).send(new GetCallerIdentityCommand({})));
    assert.equal(inactive.name, 'InvalidClientTokenId');
  });
});

test('raw requests: tampered body or header, unsigned, incomplete and stale signatures are refused', async () => {
  await withEmulator(async (emu) => {
    const alice = emu.createUser({ userName: 'alice' });
    const role = emu.createRole({ roleName: 'dev' });
    const body = `Action=AssumeRole&Version=2011-06-15&RoleArn=${encodeURIComponent(role.arn)}&RoleSessionName=sessA`;

    for (const applyChecksum of [true, false]) {
      const headers = await signedPost(emu, alice, body, { applyChecksum });
      const ok = await send(emu, 'POST', '/', headers, body);
      assert.equal(ok.status, 200, ok.body);
      assert.match(ok.body, /<AssumeRoleResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">/);
      assert.match(ok.body, /<Arn>arn:aws:sts::123456789012:assumed-role\/dev\/sessA<\/Arn>/);
      assert.match(ok.body, /<Expiration>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<\/Expiration>/);
      assert.match(ok.body, /<AccessKeyId>ASIA[A-Z0-9]{16}<\/AccessKeyId>/);
      assert.equal(ok.headers['content-type'], 'text/xml');
      assert.match(String(ok.headers['x-amzn-requestid']), /^[0-9a-f-]{36}$/);

      // Same length, one byte changed: only the payload hash can tell.
      const tampered = await send(emu, 'POST', '/', headers, body.replace('sessA', 'sessB'));
      assert.equal(tampered.status, 403);
      assert.equal(codeOf(tampered.body), 'SignatureDoesNotMatch');
      assert.match(tampered.body, /<Type>Sender<\/Type>/);
    }

    const headers = await signedPost(emu, alice, body);
    const badHeader = await send(emu, 'POST', '/', { ...headers, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body);
    assert.equal(codeOf(badHeader.body), 'SignatureDoesNotMatch');

    const unsigned = await send(emu, 'POST', '/', { 'content-type': 'application/x-www-form-urlencoded' }, body);
    assert.equal(unsigned.status, 403);
    assert.equal(codeOf(unsigned.body), 'MissingAuthenticationToken');

    const incomplete = await send(emu, 'POST', '/', { ...headers, authorization: String(headers.authorization).replace(/, Signature=.*$/, '') }, body);
    assert.equal(incomplete.status, 400);
    assert.equal(codeOf(incomplete.body), 'IncompleteSignature');

    const noHost = await signedPost(emu, alice, body);
    const withoutHostSigned = { ...noHost, authorization: String(noHost.authorization).replace(/SignedHeaders=[^,]*/, 'SignedHeaders=content-length;content-type;x-amz-date') };
    assert.equal(codeOf((await send(emu, 'POST', '/', withoutHostSigned, body)).body), 'IncompleteSignature');

    const stale = await signedPost(emu, alice, body, { date: new Date(Date.now() - 20 * 60_000) });
    const expired = await send(emu, 'POST', '/', stale, body);
    assert.equal(expired.status, 400);
    assert.equal(codeOf(expired.body), 'RequestExpired');

    // Query form (GET), signed by smithy over a query with characters that need encoding.
    const query = { Action: 'AssumeRole', Version: '2011-06-15', RoleArn: role.arn, RoleSessionName: 'q=1,a@b.c-d_e+f' };
    const getSigner = new SignatureV4({ credentials: alice, region: 'ap-southeast-2', service: 'sts', sha256: Sha256 });
    const signedGet = await getSigner.sign({ method: 'GET', protocol: 'http:', hostname: '127.0.0.1', port: emu.port, path: '/', query, headers: { host: `127.0.0.1:${emu.port}` } });
    const qs = Object.entries(query).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
    const viaGet = await send(emu, 'GET', `/?${qs}`, signedGet.headers, '');
    assert.equal(viaGet.status, 200, viaGet.body);
    assert.match(viaGet.body, /assumed-role\/dev\/q=1,a@b\.c-d_e\+f<\/Arn>/);
    const tamperedQuery = await send(emu, 'GET', `/?${qs.replace('q%3D1', 'q%3D2')}`, signedGet.headers, '');
    assert.equal(codeOf(tamperedQuery.body), 'SignatureDoesNotMatch');

    const unknownAction = 'Action=DeleteEverything&Version=2011-06-15';
    const invalid = await send(emu, 'POST', '/', await signedPost(emu, alice, unknownAction), unknownAction);
    assert.equal(invalid.status, 400);
    assert.equal(codeOf(invalid.body), 'InvalidAction');
  });
});

test('AssumeRole: trusted callers get ASIA creds that identify as the assumed role; untrusted ones get AccessDenied', async () => {
  await withEmulator(async (emu) => {
    const alice = emu.createUser({ userName: 'alice' });
    const outsider = emu.createUser({ userName: 'mallory', accountId: '999999999999' });
    const partner = emu.createUser({ userName: 'bob', accountId: '222222222222' });
    const dev = emu.createRole({ roleName: 'dev' });
    const shared = emu.createRole({ roleName: 'shared', trustedPrincipals: [partner.arn], externalId: 'ext-123' });

    const out = await client(emu, alice).send(new AssumeRoleCommand({ RoleArn: dev.arn, RoleSessionName: 'alice@laptop', DurationSeconds: 900 }));
    assert.equal(out.AssumedRoleUser?.Arn, 'arn:aws:sts::123456789012:assumed-role/dev/alice@laptop');
    assert.match(out.AssumedRoleUser?.AssumedRoleId ?? '', /^AROA[A-Z0-9]{16}:alice@laptop$/);
    const expiresIn = (out.Credentials?.Expiration?.getTime() ?? 0) - emu.now();
    assert.ok(expiresIn > 895_000 && expiresIn <= 900_000, `expires in ${expiresIn}`);
    const roleKeys = keysOf(out.Credentials);
    assert.match(roleKeys.accessKeyId, /^ASIA[A-Z0-9]{16}$/);
    const id = await client(emu, roleKeys).send(new GetCallerIdentityCommand({}));
    assert.equal(id.Arn, 'arn:aws:sts::123456789012:assumed-role/dev/alice@laptop');
    assert.equal(id.UserId, out.AssumedRoleUser?.AssumedRoleId);

    const badToken = await rejects(() => client(emu, { ...roleKeys, sessionToken: `${roleKeys.sessionToken}x` }).send(new GetCallerIdentityCommand({})));
    assert.equal(badToken.name, 'InvalidClientTokenId');
    const noToken = await rejects(() => client(emu, { accessKeyId: roleKeys.accessKeyId, secretAccessKey: roleKeys.secretAccessKey }).send(new GetCallerIdentityCommand({})));
    assert.equal(noToken.name, 'InvalidClientTokenId');

    const denied = await rejects(() => client(emu, outsider).send(new AssumeRoleCommand({ RoleArn: dev.arn, RoleSessionName: 'x1' })));
    assert.equal(denied.name, 'AccessDenied');
    assert.equal(denied.$metadata?.httpStatusCode, 403);
    assert.equal(denied.message, `User: ${outsider.arn} is not authorized to perform: sts:AssumeRole on resource: ${dev.arn}`);
    const missing = await rejects(() => client(emu, alice).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::123456789012:role/nope', RoleSessionName: 'x1' })));
    assert.equal(missing.name, 'AccessDenied');

    // Trusted by ARN across accounts, with an external id.
    assert.equal((await rejects(() => client(emu, alice).send(new AssumeRoleCommand({ RoleArn: shared.arn, RoleSessionName: 'x1', ExternalId: 'ext-123' })))).name, 'AccessDenied');
    assert.equal((await rejects(() => client(emu, partner).send(new AssumeRoleCommand({ RoleArn: shared.arn, RoleSessionName: 'x1' })))).name, 'AccessDenied');
    assert.equal((await rejects(() => client(emu, partner).send(new AssumeRoleCommand({ RoleArn: shared.arn, RoleSessionName: 'x1', ExternalId: 'ext-999' })))).name, 'AccessDenied');
    const ok = await client(emu, partner).send(new AssumeRoleCommand({ RoleArn: shared.arn, RoleSessionName: 'x1', ExternalId: 'ext-123' }));
    assert.equal(ok.AssumedRoleUser?.Arn, 'arn:aws:sts::123456789012:assumed-role/shared/x1');

    for (const [input, pattern] of [
      [{ RoleArn: dev.arn, RoleSessionName: 'a' }, /roleSessionName.*greater than or equal to 2/],
      [{ RoleArn: dev.arn, RoleSessionName: 'bad name' }, /regular expression pattern/],
      [{ RoleArn: dev.arn, RoleSessionName: 'ok1', DurationSeconds: 899 }, /greater than or equal to 900/],
      [{ RoleArn: dev.arn, RoleSessionName: 'ok1', DurationSeconds: 7200 }, /MaxSessionDuration/],
    ] as const) {
      const err = await rejects(() => client(emu, alice).send(new AssumeRoleCommand(input)));
      assert.equal(err.name, 'ValidationError');
      assert.equal(err.$metadata?.httpStatusCode, 400);
      assert.match(err.message, pattern);
    }
  });
});

test('MFA: required roles refuse plain keys, accept a GetSessionToken+MFA session or an inline code; codes are single-use', async () => {
  await withEmulator(async (emu) => {
    const alice = emu.createUser({ userName: 'alice' });
    const admin = emu.createRole({ roleName: 'admin', requireMfa: true, maxSessionDurationSeconds: 43200 });
    const { serial, secret } = emu.addMfaDevice('alice');
    assert.equal(serial, 'arn:aws:iam::123456789012:mfa/alice');
    assert.match(secret, /^[A-Z2-7]{32}$/);
    const sts = client(emu, alice);

    const plain = await rejects(() => sts.send(new AssumeRoleCommand({ RoleArn: admin.arn, RoleSessionName: 's1' })));
    assert.equal(plain.name, 'AccessDenied');
    assert.match(plain.message, /is not authorized to perform: sts:AssumeRole/);

    const code = emu.totp(serial);
    const wrongCode = code === '000000' ? '111111' : '000000';
    const bad = await rejects(() => sts.send(new GetSessionTokenCommand({ SerialNumber: serial, TokenCode: wrongCode })));
    assert.equal(bad.name, 'AccessDenied');
    assert.match(bad.message, /MultiFactorAuthentication failed with invalid MFA one time pass code/);

    const gst = await sts.send(new GetSessionTokenCommand({ SerialNumber: serial, TokenCode: code, DurationSeconds: 3600 }));
    const mfaSession = keysOf(gst.Credentials);
    assert.equal((await client(emu, mfaSession).send(new GetCallerIdentityCommand({}))).Arn, alice.arn);

    const reused = await rejects(() => sts.send(new GetSessionTokenCommand({ SerialNumber: serial, TokenCode: code })));
    assert.equal(reused.name, 'AccessDenied');
    assert.match(reused.message, /MultiFactorAuthentication failed with invalid MFA one time pass code/);

    const fromSession = await rejects(() => client(emu, mfaSession).send(new GetSessionTokenCommand({})));
    assert.equal(fromSession.name, 'AccessDenied');
    assert.equal(fromSession.message, 'Cannot call GetSessionToken with session credentials');

    const viaSession = await client(emu, mfaSession).send(new AssumeRoleCommand({ RoleArn: admin.arn, RoleSessionName: 's1', DurationSeconds: 7200 }));
    const adminKeys = keysOf(viaSession.Credentials);

    // Chained from an MFA session: keeps MFA, but at most one hour.
    const tooLong = await rejects(() => client(emu, adminKeys).send(new AssumeRoleCommand({ RoleArn: admin.arn, RoleSessionName: 's2', DurationSeconds: 3601 })));
    assert.equal(tooLong.name, 'ValidationError');
    assert.match(tooLong.message, /1 hour session limit for roles assumed by role chaining/);
    const chained = await client(emu, adminKeys).send(new AssumeRoleCommand({ RoleArn: admin.arn, RoleSessionName: 's2', DurationSeconds: 3600 }));
    assert.equal(chained.AssumedRoleUser?.Arn, 'arn:aws:sts::123456789012:assumed-role/admin/s2');

    // Inline MFA on AssumeRole: the next window's code (the current one is spent).
    emu.advance(30_000);
    const inline = await sts.send(new AssumeRoleCommand({ RoleArn: admin.arn, RoleSessionName: 's3', SerialNumber: serial, TokenCode: emu.totp(serial) }));
    assert.equal(inline.AssumedRoleUser?.Arn, 'arn:aws:sts::123456789012:assumed-role/admin/s3');

    // A session without MFA does not satisfy the role.
    const noMfa = keysOf((await sts.send(new GetSessionTokenCommand({}))).Credentials);
    assert.equal((await rejects(() => client(emu, noMfa).send(new AssumeRoleCommand({ RoleArn: admin.arn, RoleSessionName: 's4' })))).name, 'AccessDenied');
    // Someone else's device does not count.
    const bob = emu.createUser({ userName: 'bob' });
    emu.advance(30_000);
    const foreign = await rejects(() => client(emu, bob).send(new AssumeRoleCommand({ RoleArn: admin.arn, RoleSessionName: 's5', SerialNumber: serial, TokenCode: emu.totp(serial) })));
    assert.equal(foreign.name, 'AccessDenied');
    assert.match(foreign.message, /MultiFactorAuthentication failed/);
  });
});

test('expiry on the emulator clock: ExpiredToken for sessions; the JS SDK follows the clock via the Date header', async () => {
  await withEmulator(async (emu) => {
    const alice = emu.createUser({ userName: 'alice' });
    const dev = emu.createRole({ roleName: 'dev' });
    const creds = keysOf((await client(emu, alice).send(new AssumeRoleCommand({ RoleArn: dev.arn, RoleSessionName: 's1' }))).Credentials);
    emu.advance(3_601_000);
    const expired = await rejects(() => client(emu, creds).send(new GetCallerIdentityCommand({})));
    assert.equal(expired.name, 'ExpiredToken');
    assert.equal(expired.$metadata?.httpStatusCode, 400);

    // Long-term keys still work: advance() moves lifetimes, not the signing clock, so no skew error.
    emu.resetCounts();
    const id = await client(emu, alice, { maxAttempts: 1 }).send(new GetCallerIdentityCommand({}));
    assert.equal(id.Arn, alice.arn);
    assert.deepEqual(emu.counts, { GetCallerIdentity: 1 });

    // A cap on issued lifetimes, for refresh tests.
    emu.setMaxIssuedDurationSeconds(60);
    const sts = client(emu, alice, { maxAttempts: 3 });
    const short = await sts.send(new AssumeRoleCommand({ RoleArn: dev.arn, RoleSessionName: 's2', DurationSeconds: 3600 }));
    const life = (short.Credentials?.Expiration?.getTime() ?? 0) - emu.now();
    assert.ok(life > 55_000 && life <= 60_000, `life ${life}`);
    const shortKeys = keysOf(short.Credentials);
    await client(emu, shortKeys, { maxAttempts: 3 }).send(new GetCallerIdentityCommand({}));
    emu.advance(61_000);
    assert.equal((await rejects(() => client(emu, shortKeys, { maxAttempts: 3 }).send(new GetCallerIdentityCommand({})))).name, 'ExpiredToken');
    emu.setMaxIssuedDurationSeconds(undefined);
    const normal = await sts.send(new GetSessionTokenCommand({}));
    const normalLife = (normal.Credentials?.Expiration?.getTime() ?? 0) - emu.now();
    assert.ok(normalLife > 43_195_000 && normalLife <= 43_200_000);
  });
});

test('faults: throttle, server-error, down, slow, limited by times and actions; counts and calls', async () => {
  await withEmulator(async (emu) => {
    const alice = emu.createUser({ userName: 'alice' });
    const dev = emu.createRole({ roleName: 'dev' });
    const sts = client(emu, alice);

    emu.setFault({ kind: 'throttle' });
    const throttled = await rejects(() => sts.send(new GetCallerIdentityCommand({})));
    assert.equal(throttled.name, 'Throttling');
    assert.equal(throttled.message, 'Rate exceeded');
    assert.equal(throttled.$metadata?.httpStatusCode, 400);

    emu.setFault({ kind: 'server-error' });
    const failed = await rejects(() => sts.send(new GetCallerIdentityCommand({})));
    assert.equal(failed.name, 'InternalFailure');
    assert.equal(failed.$metadata?.httpStatusCode, 500);
    assert.equal(failed.$fault, 'server');

    emu.setFault({ kind: 'down' });
    const down = await rejects(() => sts.send(new GetCallerIdentityCommand({})));
    assert.match(`${down.name} ${down.code ?? ''} ${down.message}`, /ECONNRESET|socket hang up/i);

    emu.setFault(null);
    assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Arn, alice.arn);

    // Only AssumeRole, only once; the SDK's default retry gets through.
    emu.setFault({ kind: 'throttle' }, { times: 1, actions: ['AssumeRole'] });
    await sts.send(new GetCallerIdentityCommand({}));
    const retried = await client(emu, alice, { maxAttempts: 3 }).send(new AssumeRoleCommand({ RoleArn: dev.arn, RoleSessionName: 's1' }));
    assert.equal(retried.$metadata.attempts, 2);

    emu.setFault({ kind: 'slow', ms: 300 }, { times: 1 });
    const started = Date.now();
    await sts.send(new GetCallerIdentityCommand({}));
    assert.ok(Date.now() - started >= 290);

    assert.deepEqual(emu.counts, {
      GetCallerIdentity: 6,
      AssumeRole: 2,
      'rejected:Throttling': 2,
      'rejected:InternalFailure': 1,
    });
    const calls = emu.calls;
    assert.equal(calls.length, 8);
    assert.deepEqual(calls.map((c) => [c.action, c.ok, c.code ?? null]), [
      ['GetCallerIdentity', false, 'Throttling'],
      ['GetCallerIdentity', false, 'InternalFailure'],
      ['GetCallerIdentity', false, 'ConnectionDropped'],
      ['GetCallerIdentity', true, null],
      ['GetCallerIdentity', true, null],
      ['AssumeRole', false, 'Throttling'],
      ['AssumeRole', true, null],
      ['GetCallerIdentity', true, null],
    ]);
    assert.ok(calls.every((c) => c.accessKeyId === alice.accessKeyId && typeof c.at === 'number'));
    emu.resetCounts();
    assert.deepEqual(emu.counts, {});
    assert.deepEqual(emu.calls, []);
  });
});

test('bad input never crashes the emulator', async () => {
  await withEmulator(async (emu) => {
    const alice = emu.createUser({ userName: 'alice' });
    const junk: Array<[string, Record<string, string>, string]> = [
      ['POST', { 'content-type': 'application/x-www-form-urlencoded' }, '%%%&&&==Action'],
      ['POST', { authorization: 'AWS4-HMAC-SHA256 Credential=, SignedHeaders=, Signature=' }, ''],
      ['POST', { authorization: 'AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host;x-amz-date, Signature=zz', 'x-amz-date': 'yesterday' }, ''],
      ['POST', { authorization: 'AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host;x-amz-date, Signature=zz', 'x-amz-date': '20990101T000000Z' }, ''],
      ['GET', { authorization: 'Basic Zm9vOmJhcg==' }, ''],
      ['PUT', { 'content-type': 'application/x-www-form-urlencoded' }, 'x'.repeat(100_000)],
      ['POST', { 'content-type': 'text/plain' }, '\u0000\uffff'],
    ];
    for (const [method, headers, body] of junk) {
      const res = await send(emu, method, '/?Action=GetCallerIdentity&%zz', headers, body);
      assert.ok(res.status >= 400 && res.status < 500, `${res.status} ${res.body}`);
      assert.match(res.body, /<ErrorResponse/);
    }
    // Admin paths are not served unless asked for.
    assert.equal(codeOf((await send(emu, 'POST', '/__admin/createUser', {}, '{"userName":"x"}')).body), 'MissingAuthenticationToken');
    assert.equal((await client(emu, alice).send(new GetCallerIdentityCommand({}))).Arn, alice.arn);
  });
});

const awsCli = spawnSync('aws', ['--version'], { stdio: 'ignore' }).status === 0;

function runAws(emu: StsEmulator, keys: Keys, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
  Object.assign(env, {
    AWS_ACCESS_KEY_ID: keys.accessKeyId,
    AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_MAX_ATTEMPTS: '1',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  if (keys.sessionToken !== undefined) env.AWS_SESSION_TOKEN = keys.sessionToken;
  return new Promise((resolve) => {
    // A guard against a hung CLI, not a speed check: four CLIs started at once on a loaded
    // 2-core machine took 21 s before the emulator had their requests.
    execFile('aws', [...args, '--endpoint-url', emu.url, '--output', 'json'], { env, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

test('the real aws CLI (botocore) signs requests the emulator accepts, and gets error codes back', { skip: awsCli ? false : 'aws CLI not installed' }, async () => {
  await withEmulator(async (emu) => {
    const alice = emu.createUser({ userName: 'alice' });
    const dev = emu.createRole({ roleName: 'dev' });
    const session = keysOf((await client(emu, alice).send(new AssumeRoleCommand({ RoleArn: dev.arn, RoleSessionName: 'cli' }))).Credentials);
    const [ok, wrong, asRole, assume] = await Promise.all([
      runAws(emu, alice, ['sts', 'get-caller-identity']),
      runAws(emu, { ...alice, secretAccessKey: 'x'.repeat(40) }, ['sts', 'get-caller-identity']),
      runAws(emu, session, ['sts', 'get-caller-identity']),
      runAws(emu, alice, ['sts', 'assume-role', '--role-arn', dev.arn, '--role-session-name', 'cli2', '--duration-seconds', '900']),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((JSON.parse(ok.stdout) as { Arn: string }).Arn, alice.arn);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /An error occurred \(SignatureDoesNotMatch\) when calling the GetCallerIdentity operation/);
    assert.equal(asRole.code, 0, asRole.stderr);
    assert.equal((JSON.parse(asRole.stdout) as { Arn: string }).Arn, 'arn:aws:sts::123456789012:assumed-role/dev/cli');
    assert.equal(assume.code, 0, assume.stderr);
    const assumed = JSON.parse(assume.stdout) as { Credentials: { AccessKeyId: string; Expiration: string }; AssumedRoleUser: { Arn: string } };
    assert.equal(assumed.AssumedRoleUser.Arn, 'arn:aws:sts::123456789012:assumed-role/dev/cli2');
    assert.match(assumed.Credentials.AccessKeyId, /^ASIA/);
    assert.equal(emu.counts['rejected:SignatureDoesNotMatch'], 1);
  });
});

test('sts-emulator-main runs as its own process and is driven over the admin API', async () => {
  const main = fileURLToPath(new URL('./sts-emulator-main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      const rl = createInterface({ input: child.stdout });
      rl.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`emulator exited early (${code})`)));
    });
    const { url } = JSON.parse(line) as { url: string };
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const emu = await connectStsEmulator(url);
    const alice = await emu.createUser({ userName: 'alice' });
    const role = await emu.createRole({ roleName: 'admin', requireMfa: true });
    const { serial } = await emu.addMfaDevice('alice');
    const remote = { url };
    const sts = client(remote, alice);

    assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Arn, alice.arn);
    const code = await emu.totp(serial);
    assert.match(code, /^\d{6}$/);
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: 'remote', SerialNumber: serial, TokenCode: code }));
    assert.equal(out.AssumedRoleUser?.Arn, 'arn:aws:sts::123456789012:assumed-role/admin/remote');

    // Web identity from a shell: a trusting role and a token of the emulator's issuer, over the admin API.
    const ci = await emu.createRole({ roleName: 'ci', webIdentity: { audience: 'sts.amazonaws.com', subject: 'repo:a/b' } });
    const { token, claims } = await emu.issueWebIdentityToken({ subject: 'repo:a/b', audience: 'sts.amazonaws.com' });
    const web = await client(remote, { accessKeyId: '', secretAccessKey: '' }).send(new AssumeRoleWithWebIdentityCommand({ RoleArn: ci.arn, RoleSessionName: 'gha', WebIdentityToken: token }));
    assert.equal(web.AssumedRoleUser?.Arn, 'arn:aws:sts::123456789012:assumed-role/ci/gha');
    assert.equal((await emu.calls()).at(-1)?.tokenId, claims.jti);
    await assert.rejects(emu.createRole({ roleName: 'bad', webIdentity: { audience: 7 } as unknown as { audience: string } }), /"audience" must be a string/);

    await emu.setFault({ kind: 'throttle' }, { times: 1 });
    assert.equal((await rejects(() => sts.send(new GetCallerIdentityCommand({})))).name, 'Throttling');
    assert.deepEqual(await emu.counts(), { GetCallerIdentity: 2, AssumeRole: 1, AssumeRoleWithWebIdentity: 1, 'rejected:Throttling': 1 });
    assert.equal((await emu.calls()).length, 4);
    await emu.resetCounts();
    assert.deepEqual(await emu.counts(), {});

    const before = await emu.now();
    await emu.advance(60_000);
    assert.ok((await emu.now()) - before >= 60_000);
    await emu.setMaxIssuedDurationSeconds(120);
    await emu.setMaxIssuedDurationSeconds(undefined);
    await emu.deactivateKey(alice.accessKeyId);
    assert.equal((await rejects(() => client(remote, alice, { maxAttempts: 3 }).send(new GetCallerIdentityCommand({})))).name, 'InvalidClientTokenId');
    await assert.rejects(emu.createUser({ userName: 'bad name!' }), /invalid user name/);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
  }
});
