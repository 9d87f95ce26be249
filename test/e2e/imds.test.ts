import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanEnv, run, sandbox, ROOT, type RunResult, type Sandbox } from '../support/cli-harness.js';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon-process.js';
import { startStsEmulator, type StsEmulator } from '../support/sts-emulator.js';

const TTL = 'x-aws-ec2-metadata-token-ttl-seconds';
const TOKEN = 'x-aws-ec2-metadata-token';
const CREDS = '/latest/meta-data/iam/security-credentials/';
/** Nothing listens on port 9: a client that ignores NO_PROXY fails to connect. */
const DEAD_PROXY = 'http://127.0.0.1:9';
const DEBIAN_BOTO3 = '/usr/lib/python3/dist-packages/boto3';
const SYSTEM_AWS = '/usr/bin/aws';
const BOTOCORE = spawnSync('python3', ['-c', 'import botocore'], { env: cleanEnv() }).status === 0;

interface Reply { status: number; headers: http.IncomingHttpHeaders; body: string }
function request(port: number, method: string, urlPath: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** botocore's own IMDS region lookup (used for defaults_mode=auto) and the mode it picks for two client regions. */
const BOTOCORE_REGION = [
  'import botocore.session, botocore.utils',
  's = botocore.session.get_session()',
  'f = s._get_internal_component("smart_defaults_factory")',
  'print(botocore.utils.IMDSRegionProvider(s).provide(), f.resolve_auto_mode("eu-west-1"), f.resolve_auto_mode("us-east-1"))',
].join('\n');

describe('IMDSv2 emulation with real clients (credd env --imds)', () => {
  let sts: StsEmulator;
  let box: Sandbox;
  let daemon: DaemonProcess;
  /** Exactly what `credd env --imds` printed; every client shell evals it. */
  let lines = '';

  /**
   * A shell after `eval "$(credd env --imds)"`: no keys, no container variables, no AWS
   * config or region, AWS_EC2_METADATA_DISABLED=true until the eval unsets it, and a dead
   * HTTP proxy that only the printed NO_PROXY keeps away from 127.0.0.1.
   */
  const inShell = (cmd: string[], extra: Record<string, string> = {}): Promise<RunResult> =>
    run('bash', ['-c', 'eval "$CREDD_LINES"; unset CREDD_LINES; exec "$@"', 'credd-imds', ...cmd], {
      env: cleanEnv({
        AWS_CONFIG_FILE: '/nonexistent/config',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
        AWS_ENDPOINT_URL_STS: sts.url,
        HTTP_PROXY: DEAD_PROXY,
        http_proxy: DEAD_PROXY,
        CREDD_LINES: lines,
        ...extra,
      }),
    });
  const arnOf = (r: RunResult): string => {
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim().startsWith('{') ? (JSON.parse(r.stdout) as { Arn: string }).Arn : r.stdout.trim();
  };
  /** The aws CLI v1 (botocore) needs a region from somewhere: see the region test. */
  const awsCli = async () => arnOf(await inShell(['aws', 'sts', 'get-caller-identity', '--output', 'json'], { AWS_DEFAULT_REGION: 'us-east-1' }));
  const whoami = async (...args: string[]) => arnOf(await inShell([process.execPath, '--import', 'tsx', path.join(ROOT, 'test/support/whoami.ts'), ...args]));
  const token = async (port: number, ttl = '21600') => (await request(port, 'PUT', '/latest/api/token', { [TTL]: ttl })).body;

  before(async () => {
    sts = await startStsEmulator();
    const alice = sts.createUser({ userName: 'alice' });
    const ro = sts.createRole({ roleName: 'ReadOnly', trustedPrincipals: [alice.arn] });
    const admin = sts.createRole({ roleName: 'Admin', trustedPrincipals: [alice.arn] });
    box = await sandbox({
      stsUrl: sts.url,
      config: [
        '[profile base]\n',
        `[profile readonly]\nsource_profile = base\nrole_arn = ${ro.arn}\nregion = eu-west-1\n`,
        `[profile admin]\nsource_profile = base\nrole_arn = ${admin.arn}\nregion = ap-southeast-2\n`,
      ].join('\n'),
    });
    const added = await box.credd(['add', 'base', '--env'], { env: { AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey } });
    assert.equal(added.code, 0, added.stderr);
    daemon = await startDaemonProcess(box.env);
    const sw = await box.credd(['switch', 'readonly']);
    assert.equal(sw.code, 0, sw.stderr);
  });

  after(async () => {
    await daemon?.stop();
    await box?.cleanup();
    await sts?.close();
  });

  it('`credd env --imds` prints the endpoint with a trailing slash, unsets the kill switch and bypasses proxies', async () => {
    const r = await box.credd(['env', '--imds']);
    assert.equal(r.code, 0, r.stderr);
    lines = r.stdout;
    const all = lines.split('\n');
    assert.ok(all.includes(`export AWS_EC2_METADATA_SERVICE_ENDPOINT='http://127.0.0.1:${daemon.port}/'`), lines);
    assert.ok(all.includes('unset AWS_EC2_METADATA_DISABLED'), lines);
    assert.ok(all.includes("export NO_PROXY='127.0.0.1,localhost' no_proxy='127.0.0.1,localhost'"), lines);
    assert.ok(!/AWS_CONTAINER|AWS_ACCESS|AWS_SECRET/.test(lines), lines);
    const kept = await box.credd(['env', '--imds'], { env: { NO_PROXY: 'corp.example' } });
    assert.match(kept.stdout, /^export NO_PROXY='corp\.example,127\.0\.0\.1,localhost' no_proxy='corp\.example,127\.0\.0\.1,localhost'$/m);
    const pinned = await box.credd(['env', '--imds', 'readonly']);
    assert.equal(pinned.code, 2, 'a usage error');
    assert.match(pinned.stderr, /always serves the active profile/);
  });

  it('speaks IMDSv2 over raw HTTP: tokens, 401s, `//` paths, credentials and placement', async () => {
    const port = daemon.port;
    for (const ttl of ['21600', '300']) {
      const res = await request(port, 'PUT', '/latest/api/token', { [TTL]: ttl });
      assert.equal(res.status, 200);
      assert.equal(res.headers[TTL], ttl);
      assert.match(res.body, /^[A-Za-z0-9_-]{43}$/, 'the token alone, no newline');
    }
    assert.equal((await request(port, 'PUT', '//latest/api/token', { [TTL]: '21600' })).status, 200, 'Java asks at `//latest/…`');
    assert.equal((await request(port, 'PUT', '/latest/api/token', { [TTL]: '21601' })).status, 400);
    assert.equal((await request(port, 'PUT', '/latest/api/token', { [TTL]: '300', 'x-forwarded-for': '10.0.0.1' })).status, 403);
    assert.equal((await request(port, 'GET', CREDS)).status, 401, 'no token');
    assert.equal((await request(port, 'GET', CREDS, { [TOKEN]: 'A'.repeat(43) })).status, 401, 'forged token');

    const other = await sandbox({ stsUrl: sts.url, config: '' });
    try {
      const otherDaemon = await startDaemonProcess(other.env);
      try {
        const foreign = await token(otherDaemon.port);
        assert.equal((await request(otherDaemon.port, 'GET', '/latest/meta-data/placement/region', { [TOKEN]: foreign })).status, 200, 'valid where issued');
        assert.equal((await request(port, 'GET', CREDS, { [TOKEN]: foreign })).status, 401, "another daemon's token");
      } finally {
        await otherDaemon.stop();
      }
    } finally {
      await other.cleanup();
    }

    const t = await token(port, '300');
    const get = async (p: string) => {
      const res = await request(port, 'GET', p, { [TOKEN]: t });
      assert.equal(res.status, 200, `${p}: ${res.body}`);
      return res.body;
    };
    assert.equal(await get(CREDS), 'readonly', 'role name without a newline (botocore does not trim)');
    assert.equal(await get(`/${CREDS}`), 'readonly', '`//latest/…` works');
    const doc = JSON.parse(await get(`/${CREDS}readonly`)) as Record<string, string>;
    assert.equal(doc['Code'], 'Success');
    assert.equal(doc['Type'], 'AWS-HMAC');
    assert.match(doc['AccessKeyId'] ?? '', /^ASIA/);
    assert.ok((doc['Token'] ?? '').length > 0 && (doc['SecretAccessKey'] ?? '').length > 0);
    assert.match(doc['Expiration'] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(Date.parse(doc['Expiration'] ?? '') - Date.now() > 20 * 60_000, 'at least 20 min left');
    assert.equal((await request(port, 'GET', `${CREDS}admin`, { [TOKEN]: t })).status, 404, 'only the active profile');
    assert.equal(await get('/latest/meta-data/placement/availability-zone/'), 'eu-west-1a', 'botocore asks with a trailing slash');
    assert.equal(await get('/latest/meta-data/placement/region'), 'eu-west-1');
    assert.equal((JSON.parse(await get('/latest/dynamic/instance-identity/document')) as { region: string }).region, 'eu-west-1');
  });

  it('the aws CLI, JS fromInstanceMetadata and the JS default chain get the active role from IMDS alone', async () => {
    const [cli, imds, chain] = await Promise.all([awsCli(), whoami('imds'), whoami()]);
    assert.match(cli, /^arn:aws:sts::123456789012:assumed-role\/ReadOnly\/credd-/);
    assert.match(imds, /^arn:aws:sts::123456789012:assumed-role\/ReadOnly\/credd-/);
    assert.match(chain, /^arn:aws:sts::123456789012:assumed-role\/ReadOnly\/credd-/);
  });

  it('aws CLI v1 / botocore 1.43: IMDS gives credentials but never the client region; the region only picks defaults_mode=auto', async () => {
    sts.resetCounts();
    const [plain, auto] = await Promise.all([
      inShell(['aws', 'sts', 'get-caller-identity', '--debug']),
      inShell(['aws', 'sts', 'get-caller-identity', '--debug'], { AWS_DEFAULTS_MODE: 'auto' }),
    ]);
    for (const r of [plain, auto]) {
      assert.equal(r.code, 255, r.stderr.slice(-2000));
      assert.match(r.stderr, /NoRegionError: You must specify a region/);
      assert.match(r.stderr, /"PUT \/latest\/api\/token HTTP\/1\.1" 200/);
      assert.match(r.stderr, /"GET \/latest\/meta-data\/iam\/security-credentials\/readonly HTTP\/1\.1" 200/);
    }
    assert.doesNotMatch(plain.stderr, /placement/, 'legacy defaults mode never asks IMDS for the region');
    assert.match(auto.stderr, /"GET \/latest\/meta-data\/placement\/availability-zone\/ HTTP\/1\.1" 200/);
    assert.equal(sts.calls.length, 0, 'nothing was signed or sent to STS without a region');
  });

  it("botocore's IMDSRegionProvider reads the active profile's region", { skip: BOTOCORE ? false : 'python3 cannot import botocore' }, async () => {
    const r = await inShell(['python3', '-c', BOTOCORE_REGION]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'eu-west-1 in-region cross-region');
  });

  it('after `credd switch admin`, new aws CLI and JS processes see Admin, and IMDS the new region', async () => {
    const sw = await box.credd(['switch', 'admin']);
    assert.equal(sw.code, 0, sw.stderr);
    const [cli, imds, chain] = await Promise.all([awsCli(), whoami('imds'), whoami()]);
    assert.match(cli, /assumed-role\/Admin\/credd-/);
    assert.match(imds, /assumed-role\/Admin\/credd-/);
    assert.match(chain, /assumed-role\/Admin\/credd-/);
    const t = await token(daemon.port);
    assert.equal((await request(daemon.port, 'GET', CREDS, { [TOKEN]: t })).body, 'admin');
    assert.equal((await request(daemon.port, 'GET', '/latest/meta-data/placement/availability-zone', { [TOKEN]: t })).body, 'ap-southeast-2a');
    if (BOTOCORE) assert.equal((await inShell(['python3', '-c', BOTOCORE_REGION])).stdout.trim(), 'ap-southeast-2 cross-region cross-region');
  });

  it("Debian's python3-boto3 gets the role from IMDS", { skip: existsSync(DEBIAN_BOTO3) ? false : `Debian's python3-boto3 is not installed (no ${DEBIAN_BOTO3})` }, async () => {
    const script = 'import boto3, os\nprint(boto3.client("sts", region_name="us-east-1", endpoint_url=os.environ["AWS_ENDPOINT_URL_STS"]).get_caller_identity()["Arn"])';
    assert.match(arnOf(await inShell(['/usr/bin/python3', '-c', script])), /assumed-role\/Admin\//);
  });

  it(`${SYSTEM_AWS} gets the role from IMDS (v2: and the region from placement)`, { skip: existsSync(SYSTEM_AWS) ? false : `${SYSTEM_AWS} is not installed` }, async () => {
    const args = ['sts', 'get-caller-identity', '--output', 'json', '--endpoint-url', sts.url];
    assert.match(arnOf(await inShell([SYSTEM_AWS, ...args, '--region', 'us-east-1'])), /assumed-role\/Admin\//);
    const version = await inShell([SYSTEM_AWS, '--version']);
    if (/^aws-cli\/2\./.test(version.stdout)) assert.match(arnOf(await inShell([SYSTEM_AWS, ...args])), /assumed-role\/Admin\//);
  });
});
