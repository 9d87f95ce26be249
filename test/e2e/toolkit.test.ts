/**
 * Issue 8's `credd exec` and `credd export` through the built CLI and daemon, against the STS
 * emulator, with the real aws CLI as the child and as the credential_process user.
 *
 * STS calls per step (asserted below; the daemon's, plus the clients' GetCallerIdentity):
 *   exec without a daemon ............................... none
 *   switch admin ........................................ AssumeRole 1
 *   exec readonly -- aws sts get-caller-identity ........ AssumeRole 1 (readonly, primed), GetCallerIdentity 1
 *   exec readonly -- node (env), exit codes, signals .... none (readonly cached)
 *   exec nested ......................................... none
 *   exec --env-keys readonly ............................ none
 *   exec bob-ro (no code, no TTY), then --mfa-code ...... GetSessionToken 1, AssumeRole 1; the test checks what the
 *                                                          child fetched: GetCallerIdentity 1 → BobReadOnly
 *   export --format json / env .......................... none
 *   aws CLI with credential_process = credd export ..... GetCallerIdentity 1 — no AssumeRole: the daemon's cache
 * Totals: AssumeRole 3, GetSessionToken 1, GetCallerIdentity 3 — 7 calls.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { callerOf } from '../support/aws-direct.js';
import { CREDD_BIN, run, sandbox, type RunResult, type Sandbox } from '../support/cli-harness.js';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon-process.js';
import { parseExports } from '../support/journey-helpers.js';
import { mfaCodes, type MfaCodes } from '../support/mfa-codes.js';
import { startStsEmulator, type EmulatedUser, type StsEmulator } from '../support/sts-emulator.js';

const NODE = process.execPath;
const PRINT_ENV = [NODE, '-e', 'process.stdout.write(JSON.stringify(process.env))'];
/** The child gets its credentials from the endpoint it was given, as an SDK would (node:http: fetch sends sec-fetch-mode, which credd refuses). */
const FETCH_PINNED = [NODE, '-e', "require('http').get(process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI, { headers: { authorization: process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN } }, (r) => r.pipe(process.stdout))"];
const ARN = ['sts', 'get-caller-identity', '--output', 'text', '--query', 'Arn'];
const TOTALS = { AssumeRole: 3, GetSessionToken: 1, GetCallerIdentity: 3 };

describe('exec and export: a command pinned to a profile, credential_process from the cache', () => {
  let sts: StsEmulator;
  let alice: EmulatedUser;
  let bob: EmulatedUser;
  let codes: MfaCodes;
  let box: Sandbox;
  let daemon: DaemonProcess | undefined;
  const totals: Record<string, number> = {};

  async function counted<T>(expected: Record<string, number>, action: () => Promise<T>): Promise<T> {
    sts.resetCounts();
    const result = await action();
    const stderr = typeof result === 'object' && result !== null && 'stderr' in result ? `; stderr: ${String(result.stderr)}` : '';
    assert.deepEqual(sts.counts, expected, `STS calls: ${JSON.stringify(sts.calls.map((c) => c.code ?? c.action))}${stderr}`);
    for (const [k, v] of Object.entries(expected)) totals[k] = (totals[k] ?? 0) + v;
    return result;
  }
  const ok = (r: RunResult): RunResult => {
    assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
    return r;
  };
  const exec = (args: string[], env: Record<string, string> = {}) => box.credd(['exec', ...args], { env: { AWS_DEFAULT_REGION: 'us-east-1', ...env } });
  const childEnv = (r: RunResult) => JSON.parse(ok(r).stdout) as Record<string, string | undefined>;

  before(async () => {
    sts = await startStsEmulator();
    alice = sts.createUser({ userName: 'alice' });
    bob = sts.createUser({ userName: 'bob' });
    const device = sts.addMfaDevice('bob');
    codes = mfaCodes(sts, device.secret);
    const ro = sts.createRole({ roleName: 'ReadOnly', trustedPrincipals: [alice.arn] });
    const admin = sts.createRole({ roleName: 'Admin', trustedPrincipals: [alice.arn] });
    const bobRo = sts.createRole({ roleName: 'BobReadOnly', trustedPrincipals: [bob.arn], requireMfa: true });
    box = await sandbox({
      stsUrl: sts.url,
      config: [
        '[profile base]\nregion = us-east-1\n',
        `[profile readonly]\nsource_profile = base\nrole_arn = ${ro.arn}\n`,
        `[profile admin]\nsource_profile = base\nrole_arn = ${admin.arn}\n`,
        `[profile bob]\nregion = us-east-1\nmfa_serial = ${device.serial}\n`,
        `[profile bob-ro]\nsource_profile = bob\nrole_arn = ${bobRo.arn}\n`,
      ].join('\n'),
    });
    for (const [name, u] of [['base', alice], ['bob', bob]] as const) {
      ok(await box.credd(['add', name, '--env'], { env: { AWS_ACCESS_KEY_ID: u.accessKeyId, AWS_SECRET_ACCESS_KEY: u.secretAccessKey } }));
    }
  });

  after(async () => {
    await daemon?.stop();
    await box?.cleanup();
    await sts?.close();
  });

  it('without a daemon: exit 3 and a clear message; the command never runs', async () => {
    const r = await counted({}, () => exec(['readonly', '--', 'sh', '-c', 'echo RAN']));
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /^credd: The credd daemon is not running .*start it with: credd daemon/);
    assert.equal(r.stdout, '');
  });

  it('exec readonly -- aws: the real aws CLI sees ReadOnly while admin is the active profile', async () => {
    daemon = await startDaemonProcess(box.env);
    ok(await counted({ AssumeRole: 1 }, () => box.credd(['switch', 'admin'])));
    const r = await counted({ AssumeRole: 1, GetCallerIdentity: 1 }, () => exec(['readonly', '--', 'aws', ...ARN]));
    assert.match(ok(r).stdout, /^arn:aws:sts::123456789012:assumed-role\/ReadOnly\/credd-\S+\n$/);
  });

  it("the child's environment: the pinned URL, the token and CREDD_PROFILE; no keys, no AWS_PROFILE", async () => {
    const token = parseExports(ok(await box.credd(['env'])).stdout)['AWS_CONTAINER_AUTHORIZATION_TOKEN'];
    // The parent's own keys and profile must not reach the child: they would win over the endpoint.
    const parent = { AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey, AWS_PROFILE: 'admin', AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/x' };
    const env = childEnv(await counted({}, () => exec(['readonly', '--', ...PRINT_ENV], parent)));
    assert.equal(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'], `http://127.0.0.1:${daemon?.port}/v1/credentials/readonly`);
    // The child's token is the one pinned to its profile (the same `credd env readonly` prints), not the global one.
    const pinned = parseExports(ok(await box.credd(['env', 'readonly'])).stdout)['AWS_CONTAINER_AUTHORIZATION_TOKEN'];
    assert.equal(env['AWS_CONTAINER_AUTHORIZATION_TOKEN'], pinned);
    assert.notEqual(env['AWS_CONTAINER_AUTHORIZATION_TOKEN'], token);
    assert.equal(env['CREDD_PROFILE'], 'readonly');
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI']) assert.equal(env[k], undefined, k);
    assert.ok(!JSON.stringify(env).includes(alice.secretAccessKey));
  });

  it("exit codes pass through; a child killed by a signal gives 128 + signal; SIGTERM to credd reaches the child", async () => {
    assert.equal((await counted({}, () => exec(['readonly', '--', 'sh', '-c', 'exit 7']))).code, 7);
    assert.equal((await exec(['readonly', '--', 'sh', '-c', 'kill -TERM $$'])).code, 143);
    const credd = spawn(NODE, [CREDD_BIN, 'exec', 'readonly', '--', NODE, '-e', 'console.log(process.pid); setInterval(() => {}, 1000)'], { env: box.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    credd.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => credd.on('exit', (code) => resolve(code)));
    const childPid = await new Promise<number>((resolve, reject) => {
      credd.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      credd.once('exit', () => reject(new Error(`credd exited before the child started: ${stderr}`)));
    });
    credd.kill('SIGTERM');
    assert.equal(await exited, 143, stderr);
    assert.throws(() => process.kill(childPid, 0), /ESRCH/, 'the child is gone');
  });

  it('refuses to nest inside another credd exec (exit 1, says so; the command never runs)', async () => {
    const r = await counted({}, () => exec(['admin', '--', 'sh', '-c', 'echo RAN'], { CREDD_PROFILE: 'readonly' }));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^credd: This shell already runs under credd exec for "readonly"; exit it first \(or unset CREDD_PROFILE\)/);
    assert.equal(r.stdout, '');
  });

  it('--env-keys gives plain temporary keys (the cached ones) and warns on stderr', async () => {
    const r = await counted({}, () => exec(['readonly', '--env-keys', '--', ...PRINT_ENV]));
    const env = childEnv(r);
    const exported = JSON.parse(ok(await box.credd(['export', 'readonly'])).stdout) as Record<string, string>;
    assert.match(env['AWS_ACCESS_KEY_ID'] ?? '', /^ASIA/);
    assert.equal(env['AWS_ACCESS_KEY_ID'], exported['AccessKeyId']);
    assert.equal(env['AWS_SECRET_ACCESS_KEY'], exported['SecretAccessKey']);
    assert.equal(env['AWS_SESSION_TOKEN'], exported['SessionToken']);
    assert.equal(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'], undefined);
    assert.equal(env['CREDD_PROFILE'], 'readonly');
    assert.match(r.stderr, /^credd: warning: giving "\S+" plain temporary keys for readonly \(until \S+\); they will not refresh/);
  });

  it('an MFA profile: without a code and without a terminal it fails before running anything; --mfa-code works', async () => {
    const refused = await counted({}, () => exec(['bob-ro', '--', 'sh', '-c', 'echo RAN']));
    assert.equal(refused.code, 1);
    // No terminal: the code is never read from stdin (that belongs to the command); the need is said plainly.
    assert.match(refused.stderr, /^credd: Profile "bob-ro" needs an MFA code \(arn:aws:iam::\d{12}:mfa\/bob\); run: credd switch bob-ro\n$/);
    assert.equal(refused.stdout, '');
    const r = await counted({ GetSessionToken: 1, AssumeRole: 1 }, () => exec(['--mfa-code', codes.fresh(), 'bob-ro', '--', ...FETCH_PINNED]));
    // What the child got from its pinned endpoint is a BobReadOnly session.
    const c = JSON.parse(ok(r).stdout) as { AccessKeyId: string; SecretAccessKey: string; Token: string };
    const who = await counted({ GetCallerIdentity: 1 }, () => callerOf(sts.url, { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.Token }));
    assert.match('arn' in who ? who.arn : who.error, /^arn:aws:sts::123456789012:assumed-role\/BobReadOnly\/credd-/);
  });

  it('export --format json is credential_process output; --format env prints export lines', async () => {
    const json = JSON.parse(ok(await counted({}, () => box.credd(['export', 'readonly', '--format', 'json']))).stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json), ['Version', 'AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration']);
    assert.equal(json['Version'], 1);
    assert.match(String(json['AccessKeyId']), /^ASIA[A-Z0-9]{16}$/);
    assert.match(String(json['Expiration']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.ok(Date.parse(String(json['Expiration'])) > Date.now() + 10 * 60_000);
    const env = parseExports(ok(await box.credd(['export', 'readonly', '--format', 'env'])).stdout);
    assert.deepEqual(env, {
      AWS_ACCESS_KEY_ID: json['AccessKeyId'],
      AWS_SECRET_ACCESS_KEY: json['SecretAccessKey'],
      AWS_SESSION_TOKEN: json['SessionToken'],
      AWS_CREDENTIAL_EXPIRATION: json['Expiration'],
      AWS_REGION: 'us-east-1',
    });
    const bad = await box.credd(['export', 'readonly', '--format', 'yaml']);
    assert.equal(bad.code, 2, 'a usage error');
    assert.match(bad.stderr, /--format takes json or env, not "yaml"/);
  });

  it('the real aws CLI with `credential_process = credd export readonly` gets ReadOnly, served from the cache', async () => {
    const config = path.join(path.dirname(box.configFile), 'aws-config-credential-process');
    await fs.writeFile(config, `[profile cp]\nregion = us-east-1\ncredential_process = ${NODE} ${CREDD_BIN} export readonly\n`);
    // Its own config file; CREDD_HOME and the keychain service stay in its environment for the helper.
    const env = { ...box.env, AWS_CONFIG_FILE: config, AWS_PROFILE: 'cp' };
    const r = await counted({ GetCallerIdentity: 1 }, () => run('aws', ARN, { env }));
    assert.match(ok(r).stdout, /^arn:aws:sts::123456789012:assumed-role\/ReadOnly\/credd-\S+\n$/);
  });

  it('made exactly the STS calls counted above', () => {
    assert.deepEqual(totals, TOTALS);
  });
});
