import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cleanEnv, run, sandbox, ROOT, type Sandbox } from '../support/cli-harness.js';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon-process.js';
import { httpGet, parseExports } from '../support/journey-helpers.js';
import { startStsEmulator, type EmulatedUser, type StsEmulator } from '../support/sts-emulator.js';
import path from 'node:path';

describe('core journey: add, daemon, switch, real clients', () => {
  let sts: StsEmulator;
  let alice: EmulatedUser;
  let box: Sandbox;
  let daemon: DaemonProcess;

  /** Only what `credd env` printed, plus where STS is: no keys anywhere. */
  const clientEnv = (vars: Record<string, string>) =>
    cleanEnv({ ...vars, AWS_ENDPOINT_URL_STS: sts.url, AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/nonexistent/config' });
  const awsCli = async (vars: Record<string, string>) => {
    const r = await run('aws', ['sts', 'get-caller-identity', '--output', 'json'], { env: clientEnv(vars) });
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { Arn: string }).Arn;
  };
  const jsSdk = async (vars: Record<string, string>) => {
    const r = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/support/whoami.ts')], { env: clientEnv(vars) });
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim();
  };

  before(async () => {
    sts = await startStsEmulator();
    alice = sts.createUser({ userName: 'alice' });
    const ro = sts.createRole({ roleName: 'ReadOnly', trustedPrincipals: [alice.arn] });
    const admin = sts.createRole({ roleName: 'Admin', trustedPrincipals: [alice.arn] });
    const deploy = sts.createRole({ roleName: 'Deploy', accountId: '210987654321', trustedPrincipals: [ro.arn] });
    const locked = sts.createRole({ roleName: 'Locked', trustedPrincipals: ['arn:aws:iam::999999999999:root'] });
    box = await sandbox({
      stsUrl: sts.url,
      config: [
        '[profile base]\nregion = us-east-1\n',
        `[profile readonly]\nsource_profile = base\nrole_arn = ${ro.arn}\n`,
        `[profile admin]\nsource_profile = base\nrole_arn = ${admin.arn}\n`,
        `[profile deploy]\nsource_profile = readonly\nrole_arn = ${deploy.arn}\n`,
        `[profile locked]\nsource_profile = base\nrole_arn = ${locked.arn}\n`,
        `[profile broken]\nsource_profile = base\nrole_arn = not-an-arn\n`,
      ].join('\n'),
    });
  });

  after(async () => {
    await daemon?.stop();
    await box?.cleanup();
    await sts?.close();
  });

  it('stores the key from the environment, and refuses to overwrite it without --force', async () => {
    const keys = { AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey };
    const added = await box.credd(['add', 'base', '--env'], { env: keys });
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /Added key AKIA…\w{4} for profile "base"/);
    assert.ok(!added.stdout.includes(alice.secretAccessKey) && !added.stdout.includes(alice.accessKeyId));
    const again = await box.credd(['add', 'base', '--env'], { env: keys });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already has a key in credd; use --force/);
    const bad = await box.credd(['add', 'other', '--env'], { env: { AWS_ACCESS_KEY_ID: 'nope', AWS_SECRET_ACCESS_KEY: 'x' } });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /not a long-term access key id/);
  });

  it('says plainly when the daemon is not running', async () => {
    const r = await box.credd(['switch', 'readonly']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /daemon is not running .*credd daemon/);
    const s = await box.credd(['status', '--json']);
    assert.equal(s.code, 3);
    assert.equal(JSON.parse(s.stdout).running, false);
  });

  it('starts the daemon; a second one on the same state dir refuses', async () => {
    daemon = await startDaemonProcess(box.env);
    const second = await box.credd(['daemon', '--port', '0']);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /already running/);
    const status = JSON.parse((await box.credd(['status', '--json'])).stdout);
    assert.equal(status.running, true);
    assert.equal(status.activeProfile, null);
    assert.equal(status.port, daemon.port);
  });

  it('answers a fast 409 telling what to run while no profile is active', async () => {
    const vars = parseExports((await box.credd(['env'])).stdout);
    const res = await httpGet(vars['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', { authorization: vars['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '' });
    assert.equal(res.status, 409);
    assert.match(JSON.parse(res.body).message, /credd switch PROFILE/);
  });

  it('switches, and the real aws CLI and JS SDK see the role with no key in their environment', async () => {
    const sw = await box.credd(['switch', 'readonly']);
    assert.equal(sw.code, 0, sw.stderr);
    assert.match(sw.stdout, /Switched to readonly as arn:aws:sts::123456789012:assumed-role\/ReadOnly\//);
    const env = await box.credd(['env']);
    const vars = parseExports(env.stdout);
    assert.match(vars['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', new RegExp(`^http://127\\.0\\.0\\.1:${daemon.port}/v1/credentials$`));
    assert.match(vars['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '', /^[A-Za-z0-9_-]{43,}$/);
    assert.equal(Object.keys(vars).some((k) => k.startsWith('AWS_ACCESS') || k.startsWith('AWS_SECRET')), false);
    assert.match(await awsCli(vars), /^arn:aws:sts::123456789012:assumed-role\/ReadOnly\/credd-/);
    assert.match(await jsSdk(vars), /^arn:aws:sts::123456789012:assumed-role\/ReadOnly\/credd-/);
  });

  it('serves many SDK calls from one AssumeRole', async () => {
    const vars = parseExports((await box.credd(['env'])).stdout);
    sts.resetCounts();
    const calls = 200;
    const results = await Promise.all(
      Array.from({ length: calls }, () => httpGet(vars['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', { authorization: vars['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '' })),
    );
    assert.ok(results.every((r) => r.status === 200));
    assert.equal(sts.counts['AssumeRole'] ?? 0, 0, 'all served from the cache filled by switch');
  });

  it('switching changes what every client sees; a pinned shell keeps its profile', async () => {
    const following = parseExports((await box.credd(['env'])).stdout);
    const pinned = parseExports((await box.credd(['env', 'readonly'])).stdout);
    assert.match(pinned['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', /\/v1\/credentials\/readonly$/);
    assert.equal((await box.credd(['switch', 'admin'])).code, 0);
    assert.match(await awsCli(following), /assumed-role\/Admin\//);
    assert.match(await jsSdk(following), /assumed-role\/Admin\//);
    assert.match(await awsCli(pinned), /assumed-role\/ReadOnly\//);
  });

  it('chains role → role', async () => {
    const r = await box.credd(['switch', 'deploy']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /arn:aws:sts::210987654321:assumed-role\/Deploy\//);
  });

  it('reports STS refusals and config errors in one sentence naming the profile, exit 1', async () => {
    const denied = await box.credd(['switch', 'locked']);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /^credd: Profile "locked": STS denied access: User: arn:aws:iam::123456789012:user\/alice is not authorized/);
    const broken = await box.credd(['switch', 'broken']);
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /Profile "broken" in .*role_arn "not-an-arn" is not a role ARN/);
    const unknown = await box.credd(['switch', 'typo']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /Profile "typo" has no access key in credd \(it is not in your AWS config either/);
  });

  it('status shows the active profile and expiry; list shows keys and roles without secrets', async () => {
    await box.credd(['switch', 'admin']);
    const status = await box.credd(['status']);
    assert.equal(status.code, 0);
    assert.match(status.stdout, /active profile: admin — credentials until \d\d:\d\d/);
    const list = await box.credd(['list']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /\* admin\s+role ← base/);
    assert.match(list.stdout, /base\s+key stored/);
    assert.match(list.stdout, /broken\s+invalid/);
    assert.ok(!list.stdout.includes(alice.accessKeyId));
  });

  it('keeps the active profile and the token across a restart', async () => {
    const before = parseExports((await box.credd(['env'])).stdout);
    assert.equal(await daemon.stop('SIGTERM'), 0);
    const stopped = await box.credd(['status']);
    assert.equal(stopped.code, 3);
    daemon = await startDaemonProcess({ ...box.env });
    const after = parseExports((await box.credd(['env'])).stdout);
    assert.equal(after['AWS_CONTAINER_AUTHORIZATION_TOKEN'], before['AWS_CONTAINER_AUTHORIZATION_TOKEN']);
    assert.match(await jsSdk(after), /assumed-role\/Admin\//);
  });

  it('never writes a secret to its logs', async () => {
    const token = parseExports((await box.credd(['env'])).stdout)['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '';
    const logs = daemon.logs();
    assert.ok(logs.length > 0);
    for (const secret of [alice.secretAccessKey, token]) assert.ok(!logs.includes(secret), 'secret found in logs');
    assert.ok(!/"SecretAccessKey"|"sessionToken":"[^[]/.test(logs));
  });

  it('stops with `credd stop`', async () => {
    const r = await box.credd(['stop']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /stopped/);
  });
});
