/**
 * Issue 8's `credd rotate` through the built CLI (and a running daemon), against the STS/IAM
 * emulator. Every failure must leave a working key in the keychain and say what AWS holds.
 *
 * Calls per step (asserted below; IAM and STS on the one emulator):
 *   rotate base (carol, no MFA) ..... ListAccessKeys 1, CreateAccessKey 1, GetCallerIdentity 1 (verify), DeleteAccessKey 1
 *   clear + switch readonly ......... AssumeRole 1, signed with the NEW key
 *   rotate, DeleteAccessKey failing . ListAccessKeys 1, CreateAccessKey 1, GetCallerIdentity 1, DeleteAccessKey 3 (SDK: 3 attempts, all InternalFailure)
 *   clear + switch readonly ......... AssumeRole 1, signed with the newest key
 *   rotate with two keys in AWS ..... ListAccessKeys 1 (refused before CreateAccessKey: "Nothing changed")
 *   the user deletes the stale key .. DeleteAccessKey 1 (the test, by hand)
 *   rotate, CreateAccessKey failing . ListAccessKeys 1, CreateAccessKey 3 (all InternalFailure)
 *   rotate dbase (requireMfa), no code: nothing; with --mfa-code: GetSessionToken 1, then the
 *                                     four IAM/STS calls above, IAM ones signed with the MFA session
 *   verification failing (erin) ..... ListAccessKeys 1, CreateAccessKey 1, GetCallerIdentity 8
 *                                     (rotate's own retries, ~20 s of back-off), DeleteAccessKey 1 (the new key)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CREDD_BIN, run, sandbox, type RunResult } from '../support/cli-harness.js';
import { callerOf, deleteAccessKey } from '../support/aws-direct.js';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon-process.js';
import { httpGet, parseExports } from '../support/journey-helpers.js';
import { storedKey } from '../support/keychain-peek.js';
import { mfaCodes, type MfaCodes } from '../support/mfa-codes.js';
import { startStsEmulator, type EmulatedUser, type StsEmulator } from '../support/sts-emulator.js';

const ROTATED = /^Rotated (\S+): AKIA…\w{4} → AKIA…\w{4}; the old key is deleted and the daemon uses the new one from now on\.\n$/;
const ok = (r: RunResult): RunResult => {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  return r;
};
const ids = (sts: StsEmulator, user: string): string[] => sts.accessKeys(user).map((k) => k.accessKeyId);

async function setup(users: Array<{ name: string; requireMfa?: boolean }>, config: (u: Record<string, EmulatedUser>, sts: StsEmulator) => string) {
  const sts = await startStsEmulator();
  const u: Record<string, EmulatedUser> = {};
  for (const { name, requireMfa } of users) u[name] = sts.createUser({ userName: name, requireMfa: requireMfa === true });
  const box = await sandbox({ stsUrl: sts.url, config: config(u, sts), extraEnv: { AWS_ENDPOINT_URL_IAM: sts.url } });
  const counted = async (expected: Record<string, number>, action: () => Promise<RunResult>): Promise<RunResult> => {
    sts.resetCounts();
    const r = await action();
    assert.deepEqual(sts.counts, expected, `calls: ${JSON.stringify(sts.calls.map((c) => c.code ?? c.action))}; stderr: ${r.stderr}`);
    return r;
  };
  return { sts, u, box, counted };
}

describe('credd rotate', { concurrency: 2 }, () => {
  describe('the new key fails verification: it is deleted again, the old one stays', { concurrency: 1 }, () => {
    let env: Awaited<ReturnType<typeof setup>>;
    before(async () => {
      env = await setup([{ name: 'erin' }], () => '[profile base]\nregion = us-east-1\n');
      const { u, box } = env;
      ok(await box.credd(['add', 'base', '--env'], { env: { AWS_ACCESS_KEY_ID: u['erin']?.accessKeyId ?? '', AWS_SECRET_ACCESS_KEY: u['erin']?.secretAccessKey ?? '' } }));
    });
    after(async () => {
      await env?.box.cleanup();
      await env?.sts.close();
    });

    it('GetCallerIdentity failing for every attempt → exit 1, "deleted again", the old key in the keychain and working', async () => {
      const { sts, u, box, counted } = env;
      const old = u['erin'];
      assert.ok(old);
      sts.setFault({ kind: 'server-error' }, { actions: ['GetCallerIdentity'], times: 8 });
      // As a user runs it: without the switch the harness sets to silence the SDK's 8-line NodeVersionSupportWarning (Node < 22).
      const userEnv = Object.fromEntries(Object.entries(box.env).filter(([k]) => k !== 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'));
      const r = await counted({ ListAccessKeys: 1, CreateAccessKey: 1, GetCallerIdentity: 8, 'rejected:InternalFailure': 8, DeleteAccessKey: 1 }, () => run(process.execPath, [CREDD_BIN, 'rotate', 'base'], { env: userEnv }));
      assert.equal(r.code, 1);
      assert.doesNotMatch(r.stderr, /NodeVersionSupportWarning/);
      const m = /^credd: no daemon is running, so this command opens the [^\n]+ itself\.\n {2}created AKIA…(\w{4})\ncredd: The new key (AKIA\w{16}) did not work \(.+\); it was deleted again\. The old key AKIA…(\w{4}) is still in the keychain and active\.\n$/.exec(r.stderr);
      assert.ok(m, r.stderr);
      assert.equal(m[2]?.slice(-4), m[1]);
      assert.equal(m[3], old.accessKeyId.slice(-4));
      assert.equal(r.stdout, '');
      assert.deepEqual(ids(sts, 'erin'), [old.accessKeyId]);
      assert.equal((await storedKey(box.env, 'base'))?.accessKeyId, old.accessKeyId);
      assert.deepEqual(await callerOf(sts.url, old), { arn: old.arn });
    });
  });

  describe('the journey: rotate under a running daemon, then failures at each step', { concurrency: 1 }, () => {
    let env: Awaited<ReturnType<typeof setup>>;
    let daemon: DaemonProcess;
    let codes: MfaCodes;
    let vars: Record<string, string>;
    const keyIds: string[] = [];
    const codesUsed: string[] = [];
    const sdkRequest = async () => {
      const res = await httpGet(vars['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', vars['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '');
      assert.equal(res.status, 200, res.body);
      return (JSON.parse(res.body) as { AccessKeyId: string }).AccessKeyId;
    };
    /** `credd clear` then `credd switch readonly`: one AssumeRole, signed with the key in the keychain. */
    const freshAssumeRole = async () => {
      const { sts, box, counted } = env;
      ok(await box.credd(['clear']));
      ok(await counted({ AssumeRole: 1 }, () => box.credd(['switch', 'readonly'])));
      return sts.calls[0]?.accessKeyId;
    };

    before(async () => {
      env = await setup([{ name: 'carol' }, { name: 'dave', requireMfa: true }], (u, sts) => {
        const ro = sts.createRole({ roleName: 'ReadOnly', trustedPrincipals: [u['carol']?.arn ?? ''] });
        const device = sts.addMfaDevice('dave');
        codes = mfaCodes(sts, device.secret);
        return `[profile base]\nregion = us-east-1\n\n[profile readonly]\nsource_profile = base\nrole_arn = ${ro.arn}\n\n[profile dbase]\nregion = us-east-1\nmfa_serial = ${device.serial}\n`;
      });
      const { u, box } = env;
      for (const [profile, user] of [['base', u['carol']], ['dbase', u['dave']]] as const) {
        ok(await box.credd(['add', profile, '--env'], { env: { AWS_ACCESS_KEY_ID: user?.accessKeyId ?? '', AWS_SECRET_ACCESS_KEY: user?.secretAccessKey ?? '' } }));
      }
      keyIds.push(u['carol']?.accessKeyId ?? '');
      daemon = await startDaemonProcess(box.env);
      ok(await box.credd(['switch', 'readonly']));
      vars = parseExports(ok(await box.credd(['env'])).stdout);
    });
    after(async () => {
      await daemon?.stop();
      await env?.box.cleanup();
      await env?.sts.close();
    });

    it('rotate base: exactly the new key in AWS and the keychain, the old one rejected, the daemon serving throughout', async () => {
      const { sts, u, box, counted } = env;
      const before = await sdkRequest();
      const r = ok(await counted({ ListAccessKeys: 1, CreateAccessKey: 1, GetCallerIdentity: 1, DeleteAccessKey: 1 }, () => box.credd(['rotate', 'base'])));
      assert.match(r.stdout, ROTATED);
      assert.match(r.stderr, /^ {2}created AKIA…\w{4}\n {2}verified AKIA…\w{4} with STS\n {2}stored AKIA…\w{4} in the Secret Service.*\n {2}deleted AKIA…\w{4}\n$/);
      const [k1, ...more] = ids(sts, 'carol');
      assert.ok(k1 && more.length === 0 && k1 !== keyIds[0], `keys: ${ids(sts, 'carol').join(', ')}`);
      keyIds.push(k1);
      const stored = await storedKey(box.env, 'base');
      assert.equal(stored?.accessKeyId, k1);
      assert.deepEqual(await callerOf(sts.url, { accessKeyId: keyIds[0] ?? '', secretAccessKey: u['carol']?.secretAccessKey ?? '' }), { error: 'InvalidClientTokenId' });
      assert.deepEqual(await callerOf(sts.url, stored ?? { accessKeyId: '', secretAccessKey: '' }), { arn: u['carol']?.arn });
      // The cached role credentials outlive the old key: same ones, no STS call, no restart.
      sts.resetCounts();
      assert.equal(await sdkRequest(), before);
      assert.deepEqual(sts.counts, {});
      assert.equal(await freshAssumeRole(), k1);
      assert.notEqual(await sdkRequest(), before);
    });

    it('DeleteAccessKey failing: exit 1 naming the old key still active; the keychain holds the new, working key', async () => {
      const { sts, box, counted } = env;
      sts.setFault({ kind: 'server-error' }, { actions: ['DeleteAccessKey'], times: 3 });
      const r = await counted({ ListAccessKeys: 1, CreateAccessKey: 1, GetCallerIdentity: 1, DeleteAccessKey: 3, 'rejected:InternalFailure': 3 }, () => box.credd(['rotate', 'base']));
      assert.equal(r.code, 1);
      const k1 = keyIds[1] ?? '';
      assert.ok(r.stderr.includes(`but the old key ${k1} is still active in AWS`), r.stderr);
      assert.ok(r.stderr.endsWith(`delete it: aws iam delete-access-key --access-key-id ${k1}\n`), r.stderr);
      const stored = await storedKey(box.env, 'base');
      const k2 = stored?.accessKeyId ?? '';
      assert.deepEqual(ids(sts, 'carol'), [k1, k2]);
      keyIds.push(k2);
      assert.deepEqual(await callerOf(sts.url, stored ?? { accessKeyId: '', secretAccessKey: '' }), { arn: env.u['carol']?.arn });
      assert.equal(await freshAssumeRole(), k2);
    });

    it('two keys in AWS: "Nothing changed", names the other key; the keychain is untouched', async () => {
      const { sts, box, counted } = env;
      const [, k1, k2] = keyIds;
      const r = await counted({ ListAccessKeys: 1 }, () => box.credd(['rotate', 'base']));
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`^credd: Nothing changed: "base" already has another access key \\(${k1} Active\\) and AWS allows two; .*aws iam delete-access-key --access-key-id ${k1}\\n$`));
      assert.equal((await storedKey(box.env, 'base'))?.accessKeyId, k2);
      assert.deepEqual(ids(sts, 'carol'), [k1, k2]);
    });

    it('CreateAccessKey failing: "Nothing changed"; the keychain and AWS keep the one working key', async () => {
      const { sts, box, counted } = env;
      const [, k1, k2] = keyIds;
      const stored = await storedKey(box.env, 'base');
      assert.ok(stored && k1);
      sts.resetCounts();
      await deleteAccessKey(sts.url, stored, k1); // what the message above told the user to do
      assert.deepEqual(sts.counts, { DeleteAccessKey: 1 });
      sts.setFault({ kind: 'server-error' }, { actions: ['CreateAccessKey'], times: 3 });
      const r = await counted({ ListAccessKeys: 1, CreateAccessKey: 3, 'rejected:InternalFailure': 3 }, () => box.credd(['rotate', 'base']));
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^credd: Nothing changed: IAM did not create a new key: /);
      assert.deepEqual(ids(sts, 'carol'), [k2]);
      assert.deepEqual(await storedKey(box.env, 'base'), stored);
      assert.deepEqual(await callerOf(sts.url, stored), { arn: env.u['carol']?.arn });
    });

    it('a user whose policy denies everything without MFA: rotate needs the MFA session, and works with --mfa-code', async () => {
      const { sts, u, box, counted } = env;
      const old = u['dave'];
      assert.ok(old);
      const refused = await counted({}, () => box.credd(['rotate', 'dbase']));
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /^credd: Profile "dbase" .*\(arn:aws:iam::123456789012:mfa\/dave\)/);
      assert.deepEqual(ids(sts, 'dave'), [old.accessKeyId]);
      const code = codes.fresh();
      codesUsed.push(code);
      const r = ok(await counted({ GetSessionToken: 1, ListAccessKeys: 1, CreateAccessKey: 1, GetCallerIdentity: 1, DeleteAccessKey: 1 }, () => box.credd(['rotate', 'dbase', '--mfa-code', code])));
      assert.match(r.stdout, ROTATED);
      for (const c of sts.calls.filter((x) => ['ListAccessKeys', 'CreateAccessKey', 'DeleteAccessKey'].includes(x.action))) {
        assert.match(c.accessKeyId, /^ASIA/, `${c.action} is signed with the MFA session`);
      }
      const stored = await storedKey(box.env, 'dbase');
      assert.deepEqual(ids(sts, 'dave'), [stored?.accessKeyId]);
      assert.notEqual(stored?.accessKeyId, old.accessKeyId);
      assert.deepEqual(await callerOf(sts.url, old), { error: 'InvalidClientTokenId' });
      assert.deepEqual(await callerOf(sts.url, stored ?? { accessKeyId: '', secretAccessKey: '' }), { arn: old.arn });
    });

    it('the daemon log (at trace) holds no old or new secret key and no MFA code from these rotations', async () => {
      // The daemon writes its log asynchronously: wait for the line of the MFA session rotate dbase started.
      for (const deadline = Date.now() + 20_000; !daemon.logs().includes('MFA session started'); ) {
        assert.ok(Date.now() < deadline, 'the daemon logged the MFA session of the last rotation');
        await new Promise((r) => setTimeout(r, 100));
      }
      const logs = daemon.logs();
      const secrets = new Map<string, string>([
        ["carol's old secret key", env.u['carol']?.secretAccessKey ?? ''],
        ["dave's old secret key", env.u['dave']?.secretAccessKey ?? ''],
      ]);
      for (const profile of ['base', 'dbase']) secrets.set(`the new secret key of ${profile}`, (await storedKey(env.box.env, profile))?.secretAccessKey ?? '');
      for (const [what, secret] of secrets) {
        assert.ok(secret.length >= 20, `${what} was read`);
        assert.ok(!logs.includes(secret), `${what} is in the daemon log`);
      }
      assert.equal(codesUsed.length, 1);
      for (const code of codesUsed) assert.doesNotMatch(logs, new RegExp(`(?<![0-9])${code}(?![0-9])`), 'an MFA code is in the daemon log');
    });
  });
});
