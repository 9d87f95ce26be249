/**
 * Issue 3's MFA journey through the built CLI and daemon, against the in-process STS emulator.
 *
 * STS calls the daemon made, per action (asserted step by step below; GetCallerIdentity
 * calls come from the aws CLI / JS SDK clients and are counted apart):
 *   switch admin --mfa-code (no session yet) ..... GetSessionToken 1, AssumeRole 1
 *   switch readonly, then switch admin ............ AssumeRole 1 (readonly; admin still cached)
 *   clear, switch admin --mfa-code WRONG .......... GetSessionToken 1 (refused by STS: AccessDenied)
 *   switch admin --mfa-code REUSED ................ none (refused by the daemon)
 *   switch admin, code on stdin ................... GetSessionToken 1, AssumeRole 1
 *   daemon restart, switch admin (no code) ........ AssumeRole 1 (session from the keychain)
 *   clear, credd mfa (session that has ended) ..... GetSessionToken 1
 *   SDK request while the session has ended ....... none (fast 409 MfaRequired)
 *   switch admin --mfa-code (new code) ............ GetSessionToken 1, AssumeRole 1
 *   switch bob-admin (mfa_process, no prompt) ..... GetSessionToken 1, AssumeRole 1
 * Each step checks its own calls (a test that summed them afterwards depended on test order).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanEnv, run, sandbox, ROOT, type RunResult, type Sandbox } from '../support/cli-harness.js';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon-process.js';
import { hhmm, httpGet, parseExports, slowestCachedAnswer, waitForFile } from '../support/journey-helpers.js';
import { mfaCodes, type MfaCodes } from '../support/mfa-codes.js';
import { startStsEmulator, type EmulatedUser, type StsEmulator } from '../support/sts-emulator.js';

const SWITCHED_ADMIN = /^Switched to admin as arn:aws:sts::123456789012:assumed-role\/Admin\/credd-\S+ \(credentials until (?:\w{3} \d{1,2} )?\d\d:\d\d, MFA session until ((?:\w{3} \d{1,2} )?\d\d:\d\d)\)\n$/;

interface Mfa { profile: string; serial: string; expiration?: string; neededSince?: string; neededFor?: string }

describe('MFA journey: one code for every role of a user, across restarts, until the session ends', () => {
  let sts: StsEmulator;
  let alice: EmulatedUser;
  let codes: MfaCodes;
  let serial: string;
  let box: Sandbox;
  let daemon: DaemonProcess;
  let vars: Record<string, string>;

  /** Runs one action and checks exactly which STS calls it caused. */
  async function counted<T>(expected: Record<string, number>, action: () => Promise<T>): Promise<T> {
    sts.resetCounts();
    const result = await action();
    assert.deepEqual(sts.counts, expected, `STS calls: ${JSON.stringify(sts.calls.map((c) => c.code ?? c.action))}`);
    return result;
  }
  const ok = (r: RunResult): RunResult => {
    assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
    return r;
  };
  const clientEnv = () => cleanEnv({ ...vars, AWS_ENDPOINT_URL_STS: sts.url, AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/nonexistent/config' });
  const jsSdk = () => run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/support/whoami.ts')], { env: clientEnv() });
  const awsCli = () => run('aws', ['sts', 'get-caller-identity', '--output', 'text', '--query', 'Arn'], { env: clientEnv() });
  const status = async () => JSON.parse(ok(await box.credd(['status', '--json'])).stdout) as { mfa: Mfa[]; activeProfile: string | null };

  before(async () => {
    sts = await startStsEmulator();
    alice = sts.createUser({ userName: 'alice' });
    const device = sts.addMfaDevice('alice');
    serial = device.serial;
    codes = mfaCodes(sts, device.secret);
    const admin = sts.createRole({ roleName: 'Admin', trustedPrincipals: [alice.arn], requireMfa: true });
    const ro = sts.createRole({ roleName: 'ReadOnly', trustedPrincipals: [alice.arn], requireMfa: true });
    box = await sandbox({
      stsUrl: sts.url,
      config: [
        `[profile base]\nregion = us-east-1\nmfa_serial = ${serial}\n`,
        `[profile admin]\nsource_profile = base\nrole_arn = ${admin.arn}\n`,
        `[profile readonly]\nsource_profile = base\nrole_arn = ${ro.arn}\n`,
      ].join('\n'),
    });
    ok(await box.credd(['add', 'base', '--env'], { env: { AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey } }));
    daemon = await startDaemonProcess(box.env);
    vars = parseExports(ok(await box.credd(['env'])).stdout);
  });

  after(async () => {
    await daemon?.stop();
    await box?.cleanup();
    await sts?.close();
  });

  let firstCode = '';
  it('switch admin --mfa-code: one GetSessionToken, then the aws CLI and the JS SDK see Admin with only `credd env`', async () => {
    firstCode = codes.fresh();
    const sw = ok(await counted({ GetSessionToken: 1, AssumeRole: 1 }, () => box.credd(['switch', 'admin', '--mfa-code', firstCode])));
    const until = SWITCHED_ADMIN.exec(sw.stdout)?.[1];
    assert.ok(until, sw.stdout);
    const [session] = (await status()).mfa;
    assert.equal(session?.profile, 'base');
    assert.equal(session?.serial, serial);
    assert.ok(until.endsWith(hhmm(session?.expiration ?? '')), `${until} is the session's end`);
    const left = Date.parse(session?.expiration ?? '') - Date.now();
    assert.ok(left > 11.5 * 3_600_000 && left < 12.5 * 3_600_000, 'a workday: 12 h by default');
    const [cli, sdk] = await counted({ GetCallerIdentity: 2 }, () => Promise.all([awsCli(), jsSdk()]));
    assert.match(ok(cli).stdout, /^arn:aws:sts::123456789012:assumed-role\/Admin\/credd-/);
    assert.match(ok(sdk).stdout, /^arn:aws:sts::123456789012:assumed-role\/Admin\/credd-/);
  });

  it('switch readonly, then admin: the same MFA session, no further GetSessionToken', async () => {
    const ro = ok(await counted({ AssumeRole: 1 }, () => box.credd(['switch', 'readonly'])));
    assert.match(ro.stdout, /^Switched to readonly as arn:aws:sts::123456789012:assumed-role\/ReadOnly\/.*MFA session until/);
    ok(await counted({}, () => box.credd(['switch', 'admin'])));
  });

  it('after `credd clear`: a wrong code is refused by STS (exit 1, clear message); a reused code never reaches STS', async () => {
    assert.match(ok(await counted({}, () => box.credd(['clear']))).stdout, /Cleared all cached credentials and MFA sessions/);
    const wrong = await counted({ GetSessionToken: 1, 'rejected:AccessDenied': 1 }, () => box.credd(['switch', 'admin', '--mfa-code', codes.wrong()]));
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /^credd: .*STS refused the MFA code: MultiFactorAuthentication failed with invalid MFA one time pass code/);
    assert.equal(wrong.stdout, '');
    const reused = await counted({}, () => box.credd(['switch', 'admin', '--mfa-code', firstCode]));
    assert.equal(reused.code, 1);
    assert.match(reused.stderr, /^credd: .*That MFA code was already used \(AWS refuses a code twice\); wait for the next one\.\n$/);
  });

  it('takes the code from stdin when stdin is not a terminal (no prompt written)', async () => {
    const sw = ok(await counted({ GetSessionToken: 1, AssumeRole: 1 }, () => box.credd(['switch', 'admin'], { input: `${codes.fresh()}\n` })));
    assert.match(sw.stdout, SWITCHED_ADMIN);
    assert.equal(sw.stderr, '');
  });

  it('status --json and list show the MFA session, without secrets', async () => {
    const s = await status();
    assert.equal(s.activeProfile, 'admin');
    assert.equal(s.mfa.length, 1);
    assert.equal(s.mfa[0]?.neededSince, undefined);
    assert.match(s.mfa[0]?.expiration ?? '', /^\d{4}-\d\d-\d\dT/);
    const list = ok(await box.credd(['list'])).stdout;
    assert.match(list, new RegExp(`\\n  base\\s+key stored\\s+MFA session until (?:\\w{3} \\d{1,2} )?${hhmm(s.mfa[0]?.expiration ?? '')}\\n`));
    assert.match(list, /\* admin\s+role ← base/);
    assert.match(ok(await box.credd(['status'])).stdout, new RegExp(`\nMFA base \\(${serial}\\): MFA session until (?:\\w{3} \\d{1,2} )?\\d\\d:\\d\\d \\(in 1[12] h\\)\n`));
    assert.ok(!list.includes(alice.accessKeyId) && !list.includes(alice.secretAccessKey));
  });

  it('restart (SIGTERM, start again): switch admin works with no code and no GetSessionToken', async () => {
    await counted({ AssumeRole: 1 }, async () => {
      assert.equal(await daemon.stop('SIGTERM'), 0);
      daemon = await startDaemonProcess(box.env);
      // `--port 0` in tests: the new daemon has a new port (a real one keeps its port).
      vars = parseExports(ok(await box.credd(['env'])).stdout);
      // Empty stdin: had a code been needed, the switch would fail for want of input.
      const sw = ok(await box.credd(['switch', 'admin'], { input: '' }));
      assert.match(sw.stdout, SWITCHED_ADMIN);
    });
    assert.match(ok(await counted({ GetCallerIdentity: 1 }, jsSdk)).stdout, /assumed-role\/Admin\//);
  });

  /*
   * How the session "ends" here. The daemon runs on the real clock, so sts.advance(13 h) would
   * only make the emulator refuse every cached credential (ExpiredToken on the clients' own
   * calls) while the daemon still thought all was well: a different failure. Deactivating the
   * session key tests "STS rejects the session" (the broker test covers that path), and
   * `credd clear` alone is the user forgetting it, not it ending. So: clear the caches, then
   * start a session while the emulator caps issued credentials at 30 s. The daemon then holds
   * a session that its own clock says has ended (under the 2 min margin it keeps before the
   * end), exactly as after a workday, with no role credentials cached: the next SDK request
   * takes the real path of an ended session, and a new code must restore service.
   */
  it('session ended: the SDK gets a fast 409, status and the notice file say MFA is needed, a new code restores service', async (t) => {
    // "Fast" is the JS SDK's 1 s timeout, or, on a machine too loaded for that, three times the
    // slowest of five cached answers measured now (plus 300 ms): a wall-clock constant alone
    // fails on a busy 2-core machine without telling anything about credd.
    const endpoint = () => httpGet(vars['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', vars['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '');
    const slowestCached = await slowestCachedAnswer(endpoint, 'admin is served from the cache before the session ends');
    const budget = Math.max(1000, 300 + 3 * slowestCached);
    t.diagnostic(`cached answers up to ${Math.round(slowestCached)} ms; budget ${Math.round(budget)} ms`);
    ok(await counted({}, () => box.credd(['clear'])));
    assert.ok(sts.now() - Date.now() < 60_000, 'the emulator clock is at most a minute ahead');
    sts.setMaxIssuedDurationSeconds(30);
    const mfa = ok(await counted({ GetSessionToken: 1 }, () => box.credd(['mfa', 'admin', '--mfa-code', codes.fresh()])));
    sts.setMaxIssuedDurationSeconds(undefined);
    assert.match(mfa.stdout, /^MFA session for base until (?:\w{3} \d{1,2} )?\d\d:\d\d\n$/);

    const started = Date.now();
    const res = await counted({}, endpoint);
    const took = Date.now() - started;
    t.diagnostic(`ECS request while MFA is needed answered ${res.status} in ${took} ms`);
    assert.equal(res.status, 409);
    const body = JSON.parse(res.body) as { Code: string; Message: string };
    assert.equal(body.Code, 'MfaRequired');
    assert.equal(body.Message, `Profile "admin" needs a new MFA code: the MFA session has ended (${serial}); run: credd switch admin`);
    assert.ok(took < budget, `within the JS SDK timeout (took ${took} ms, budget ${Math.round(budget)} ms)`);
    // Watched from now on, while the clients and `credd status` run; the daemon rewrites the
    // notice on control calls and on a 15 s timer, so allow one tick.
    const noticeFile = path.join(box.home, 'notice');
    const noticed = waitForFile(noticeFile, 17_000);
    noticed.catch(() => undefined); // awaited below; no unhandled rejection if an assertion fails first
    const [sdk, cli] = await counted({}, () => Promise.all([jsSdk(), awsCli()]));
    assert.equal(sdk.code, 1);
    assert.match(sdk.stderr, /Could not load credentials/);
    assert.equal(cli.code, 255);
    assert.match(cli.stderr, /run: credd switch admin/, 'the AWS CLI shows the body');

    const text = ok(await box.credd(['status'])).stdout;
    assert.match(text, new RegExp(`MFA base \\(${serial}\\): MFA code needed since \\d\\d:\\d\\d \\(for admin\\) — run: credd switch admin`));
    const need = (await status()).mfa[0];
    assert.equal(need?.neededFor, 'admin');
    assert.ok(Math.abs(Date.parse(need?.neededSince ?? '') - started) < 2_000, 'needed since the SDK request');
    assert.ok(need?.expiration !== undefined, 'the ended session is still shown with its end');

    const { text: notice } = await noticed;
    // When the daemon wrote it (the file's mtime), not when this test's 100 ms poll, sharing the
    // event loop with two client processes, got round to seeing it.
    const lag = Math.round((await fs.stat(noticeFile)).mtimeMs - started);
    t.diagnostic(`notice file written ${lag} ms after the SDK request`);
    assert.match(notice, /^MFA code needed for admin since \d\d:\d\d; run: credd switch admin\n$/);
    await t.test('the notice is there by the next shell prompt (within 1 s, or the budget above)', () => {
      assert.ok(lag < budget, `written ${lag} ms after the request (budget ${Math.round(budget)} ms)`);
    });

    const sw = ok(await counted({ GetSessionToken: 1, AssumeRole: 1 }, () => box.credd(['switch', 'admin', '--mfa-code', codes.fresh()])));
    assert.match(sw.stdout, SWITCHED_ADMIN);
    assert.match(ok(await counted({ GetCallerIdentity: 1 }, jsSdk)).stdout, /assumed-role\/Admin\//);
    assert.equal((await status()).mfa[0]?.neededSince, undefined);
    await waitForFile(noticeFile, 10_000, false);
  });

  it('mfa_process: a role whose source has mfa_process switches with no prompt and no --mfa-code', async () => {
    const bob = sts.createUser({ userName: 'bob' });
    const device = sts.addMfaDevice('bob');
    const role = sts.createRole({ roleName: 'BobAdmin', trustedPrincipals: [bob.arn], requireMfa: true });
    const printer = `${process.execPath} ${path.join(ROOT, 'test/support/print-totp.mjs')} ${device.secret} ${sts.now() - Date.now()}`;
    await fs.appendFile(box.configFile, `\n[profile bob]\nmfa_serial = ${device.serial}\nmfa_process = ${printer}\n\n[profile bob-admin]\nsource_profile = bob\nrole_arn = ${role.arn}\n`);
    ok(await box.credd(['add', 'bob', '--env'], { env: { AWS_ACCESS_KEY_ID: bob.accessKeyId, AWS_SECRET_ACCESS_KEY: bob.secretAccessKey } }));
    const sw = ok(await counted({ GetSessionToken: 1, AssumeRole: 1 }, () => box.credd(['switch', 'bob-admin'], { input: '' })));
    assert.match(sw.stdout, /^Switched to bob-admin as arn:aws:sts::123456789012:assumed-role\/BobAdmin\/credd-\S+ \(credentials until .*, MFA session until .*\)\n$/);
    assert.equal(sw.stderr, '');
  });
});
