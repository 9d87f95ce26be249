/**
 * Issue 8's `credd console` (against the emulator's federation endpoint) and `credd import`
 * (from a plaintext credentials file into the keychain) through the built CLI.
 *
 * Calls per step (asserted below):
 *   console readonly ............ AssumeRole 1 (daemon), getSigninToken 1 (CLI → federation)
 *   following the URL ........... login 1 (→ 302 to the Destination)
 *   console base (an IAM user) .. GetSessionToken 1 (the daemon serves the user session first), then refused: no getSigninToken
 *   switch readonly; console .... getSigninToken 1 (the role credentials come from the cache)
 *   import ...................... no AWS calls at all
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandbox, type RunResult, type Sandbox } from '../support/cli-harness.js';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon-process.js';
import { storedKey } from '../support/keychain-peek.js';
import { startStsEmulator, type EmulatedRole, type EmulatedUser, type StsEmulator } from '../support/sts-emulator.js';

const ok = (r: RunResult): RunResult => {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  return r;
};
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Runs one action and checks exactly which calls reached the emulator. */
const counter = (sts: StsEmulator) => async (expected: Record<string, number>, action: () => Promise<RunResult>): Promise<RunResult> => {
  sts.resetCounts();
  const r = await action();
  assert.deepEqual(sts.counts, expected, `calls: ${JSON.stringify(sts.calls.map((c) => c.code ?? c.action))}; stderr: ${r.stderr}`);
  return r;
};

/** Each part has its own emulator and sandbox. */
async function emulator() {
  const sts = await startStsEmulator();
  const alice = sts.createUser({ userName: 'alice' });
  const ro = sts.createRole({ roleName: 'ReadOnly', trustedPrincipals: [alice.arn] });
  return { sts, alice, ro, counted: counter(sts) };
}

describe('console and import', () => {
  describe('credd console: a sign-in URL through the federation endpoint', () => {
    let sts: StsEmulator;
    let alice: EmulatedUser;
    let ro: EmulatedRole;
    let counted: ReturnType<typeof counter>;
    let box: Sandbox;
    let daemon: DaemonProcess;
    let url = '';
    const destination = 'https://us-east-1.console.aws.amazon.com/console/home?region=us-east-1';

    before(async () => {
      ({ sts, alice, ro, counted } = await emulator());
      box = await sandbox({
        stsUrl: sts.url,
        config: `[profile base]\nregion = us-east-1\n\n[profile readonly]\nsource_profile = base\nrole_arn = ${ro.arn}\n`,
        extraEnv: { CREDD_FEDERATION_ENDPOINT: sts.federationUrl },
      });
      ok(await box.credd(['add', 'base', '--env'], { env: { AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey } }));
      daemon = await startDaemonProcess(box.env);
    });
    after(async () => {
      await daemon?.stop();
      await box?.cleanup();
      await sts?.close();
    });

    it('console readonly prints <federation>?Action=login&Issuer=credd&Destination=…&SigninToken=<a token the emulator issued for ReadOnly>', async () => {
      const r = ok(await counted({ AssumeRole: 1, getSigninToken: 1 }, () => box.credd(['console', 'readonly'])));
      const m = new RegExp(`^${escape(sts.federationUrl)}\\?Action=login&Issuer=credd&Destination=([^&]+)&SigninToken=([^&\\s]+)\\n$`).exec(r.stdout);
      assert.ok(m, r.stdout);
      url = r.stdout.trim();
      assert.equal(decodeURIComponent(m[1] ?? ''), destination);
      const [issued, ...more] = sts.signinTokens();
      assert.ok(issued && more.length === 0);
      assert.equal(decodeURIComponent(m[2] ?? ''), issued.token);
      assert.equal(issued.roleArn, ro.arn);
      assert.match(issued.assumedRoleArn, /^arn:aws:sts::123456789012:assumed-role\/ReadOnly\/credd-/);
      assert.equal(issued.sessionDuration, undefined, 'the console session lasts as long as the role credentials');
      // The token was made from the daemon's cached ReadOnly credentials.
      const cached = JSON.parse(ok(await counted({}, () => box.credd(['export', 'readonly']))).stdout) as { AccessKeyId: string };
      assert.equal(issued.accessKeyId, cached.AccessKeyId);
    });

    it('following the URL signs in: 302 to the Destination, the token spent by Issuer credd', async () => {
      sts.resetCounts();
      const res = await fetch(url, { redirect: 'manual' });
      assert.equal(res.status, 302);
      assert.equal(res.headers.get('location'), destination);
      assert.deepEqual(sts.counts, { login: 1 });
      const login = sts.signinTokens()[0]?.login;
      assert.equal(login?.issuer, 'credd');
      assert.equal(login?.destination, destination);
    });

    it('a plain IAM-user profile is refused with a clear message (exit 1), no sign-in token asked', async () => {
      const r = await counted({ GetSessionToken: 1 }, () => box.credd(['console', 'base']));
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^credd: Profile "base" is not a role; the console sign-in works with role credentials/);
    });

    it('without a profile it signs in as the active one; --destination picks the page', async () => {
      ok(await counted({}, () => box.credd(['switch', 'readonly'])));
      const page = 'https://console.aws.amazon.com/s3/home';
      const r = ok(await counted({ getSigninToken: 1 }, () => box.credd(['console', '--destination', page])));
      assert.ok(r.stdout.startsWith(`${sts.federationUrl}?Action=login&Issuer=credd&Destination=${encodeURIComponent(page)}&SigninToken=`), r.stdout);
      assert.match(sts.signinTokens().at(-1)?.assumedRoleArn ?? '', /assumed-role\/ReadOnly\//);
    });
  });

  describe('credd import: keys out of ~/.aws/credentials into the keychain', () => {
    let sts: StsEmulator;
    let alice: EmulatedUser;
    let ro: EmulatedRole;
    let counted: ReturnType<typeof counter>;
    let box: Sandbox;
    let file: string;
    let original: string;
    let dan: EmulatedUser;
    let wendy: EmulatedUser;
    const importing = (args: string[], credentials = file) => counted({}, () => box.credd(['import', ...args], { env: { AWS_SHARED_CREDENTIALS_FILE: credentials } }));
    const backups = async () => (await fs.readdir(path.dirname(file))).filter((f) => f.startsWith('credentials.credd-backup-'));
    const mode = async (f: string) => (await fs.stat(f)).mode & 0o777;

    before(async () => {
      ({ sts, alice, ro, counted } = await emulator());
      dan = sts.createUser({ userName: 'dan' });
      wendy = sts.createUser({ userName: 'wendy' });
      const temp = sts.issueRoleSession(ro.arn, 'temp-session');
      box = await sandbox({ stsUrl: sts.url, config: '[profile work]\nregion = eu-west-1\n' });
      file = path.join(path.dirname(box.configFile), 'aws', 'credentials');
      await fs.mkdir(path.dirname(file), { mode: 0o700 });
      original = [
        '# Plaintext keys, as they were before credd',
        '[default]',
        `aws_access_key_id = ${dan.accessKeyId}`,
        `aws_secret_access_key = ${dan.secretAccessKey}`,
        '',
        '; the work account',
        '[work]',
        `aws_access_key_id=${wendy.accessKeyId}`,
        `aws_secret_access_key=${wendy.secretAccessKey}`,
        'region = eu-west-1',
        '',
        '[temp]',
        `aws_access_key_id = ${temp.accessKeyId}`,
        `aws_secret_access_key = ${temp.secretAccessKey}`,
        `aws_session_token = ${temp.sessionToken}`,
        '',
        '[other]',
        'output = json',
        '',
      ].join('\n');
      await fs.writeFile(file, original, { mode: 0o600 });
    });
    after(async () => {
      await box?.cleanup();
      await sts?.close();
    });

    const IMPORTED = (verb: string) =>
      new RegExp(`^${verb}: default \\(AKIA…${dan.accessKeyId.slice(-4)}\\) → Secret Service.*\\n${verb}: work \\(AKIA…${wendy.accessKeyId.slice(-4)}\\) → Secret Service.*\\nskip temp: it holds temporary credentials \\(aws_session_token\\), not a long-term key\\n`);

    it('without --remove and without a terminal: keys into the keychain, the file untouched, a hint', async () => {
      const r = ok(await importing([]));
      assert.match(r.stdout, IMPORTED('imported'));
      assert.ok(r.stdout.endsWith(`The keys are still in plaintext in ${file}; remove them with: credd import --remove\n`), r.stdout);
      assert.ok(!r.stdout.includes('other'));
      assert.equal(await fs.readFile(file, 'utf8'), original);
      assert.deepEqual(await backups(), []);
      assert.deepEqual(await storedKey(box.env, 'default'), { accessKeyId: dan.accessKeyId, secretAccessKey: dan.secretAccessKey });
      assert.deepEqual(await storedKey(box.env, 'work'), { accessKeyId: wendy.accessKeyId, secretAccessKey: wendy.secretAccessKey });
      assert.equal(await storedKey(box.env, 'temp'), undefined);
      const list = ok(await box.credd(['list'])).stdout;
      assert.match(list, /\n {2}default\s+key stored/);
      assert.match(list, /\n {2}work\s+key stored/);
      assert.ok(!list.includes('temp') && !list.includes(dan.accessKeyId));
    });

    it('importing again is idempotent: "already in credd"', async () => {
      const r = ok(await importing([]));
      assert.match(r.stdout, IMPORTED('already in credd'));
      assert.equal(await fs.readFile(file, 'utf8'), original);
    });

    it('--remove: the file keeps comments, [other] and work\'s region, loses the keys and the emptied [default]; a 0600 backup', async () => {
      const r = ok(await importing(['--remove']));
      assert.match(r.stdout, IMPORTED('already in credd'));
      const [backup, ...more] = await backups();
      assert.ok(backup && more.length === 0);
      assert.match(backup, /^credentials\.credd-backup-\d{8}T\d{6}$/);
      assert.ok(r.stdout.endsWith(`Removed 2 keys from ${file} (backup: ${path.join(path.dirname(file), backup)}; delete it once you are sure).\n`), r.stdout);
      assert.equal(await fs.readFile(path.join(path.dirname(file), backup), 'utf8'), original);
      assert.equal(await mode(path.join(path.dirname(file), backup)), 0o600);
      assert.equal(await mode(file), 0o600);
      const lines = original.split('\n');
      const kept = [lines[0], ...lines.slice(4, 7), ...lines.slice(9)].join('\n');
      assert.equal(await fs.readFile(file, 'utf8'), kept);
      assert.ok(kept.includes('[work]\nregion = eu-west-1\n') && kept.includes('[temp]') && kept.endsWith('[other]\noutput = json\n'));
      assert.ok(!kept.includes(dan.accessKeyId) && !kept.includes(wendy.secretAccessKey) && !kept.includes('[default]'));
    });

    it('a different key for a profile credd already holds is skipped without --force, replaced with it', async () => {
      const other = path.join(path.dirname(file), 'credentials-elsewhere');
      await fs.writeFile(other, `[work]\naws_access_key_id = ${alice.accessKeyId}\naws_secret_access_key = ${alice.secretAccessKey}\n`, { mode: 0o600 });
      const skipped = ok(await importing(['work'], other));
      assert.equal(skipped.stdout, 'skip work: credd already holds another key for it (use --force to replace)\n');
      assert.equal((await storedKey(box.env, 'work'))?.accessKeyId, wendy.accessKeyId);
      const forced = ok(await importing(['work', '--force'], other));
      assert.match(forced.stdout, /^imported: work \(AKIA…\w{4}\) → /);
      assert.equal((await storedKey(box.env, 'work'))?.accessKeyId, alice.accessKeyId);
      const missing = await importing(['nobody'], other);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /has no access key for profile "nobody"/);
    });
  });
});
