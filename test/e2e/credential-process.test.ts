import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startKindJourney, type KindJourney } from '../support/kind-journey.js';
import { startStsEmulator, type StsEmulator } from '../support/sts-emulator.js';

/**
 * The helper a credential_process names: records its argv and each run, then acts by its
 * first argument. Its path has a space, so the config must quote it as the AWS CLI expects.
 */
const HELPER = `#!/bin/sh
dir=$(dirname "$0")
printf '%s\\n' "$@" > "$dir/args-$1"
echo run >> "$dir/runs-$1"
case "$1" in
  long|temp) cat "$dir/$1.json" ;;
  fail) echo "op: you are not signed in" >&2; echo "second line" >&2; exit 3 ;;
  slow) sleep 30 ;;
  garbage) echo "hello" ;;
esac
`;

describe('credential_process: as the source of a role, and switched to directly', () => {
  let sts: StsEmulator;
  let j: KindJourney;
  let helper: string;
  const runs = async (mode: string): Promise<number> => (await fs.readFile(path.join(path.dirname(helper), `runs-${mode}`), 'utf8').catch(() => '')).split('\n').filter((l) => l !== '').length;
  const expectFailure = async (profile: string, expected: string): Promise<void> => {
    await j.box.credd(['clear', profile]);
    const r = await j.box.credd(['switch', profile]);
    assert.equal(r.code, 1, `${profile}: ${r.stdout}`);
    assert.equal(r.stderr, `credd: ${expected}\n`);
  };

  before(async () => {
    sts = await startStsEmulator();
    const alice = sts.createUser({ userName: 'alice' });
    const ro = sts.createRole({ roleName: 'ReadOnly', trustedPrincipals: [alice.arn] });
    const procRole = sts.createRole({ roleName: 'ProcRole' });
    const deploy = sts.createRole({ roleName: 'Deploy', trustedPrincipals: [procRole.arn] });
    j = await startKindJourney({ stsUrl: sts.url, config: '', daemonEnv: { CREDD_PROCESS_TIMEOUT: '2' } });
    const helperDir = path.join(j.dir, 'helper dir');
    await fs.mkdir(helperDir);
    helper = path.join(helperDir, 'cred helper.sh');
    await fs.writeFile(helper, HELPER, { mode: 0o755 });
    await fs.writeFile(path.join(helperDir, 'long.json'), JSON.stringify({ Version: 1, AccessKeyId: alice.accessKeyId, SecretAccessKey: alice.secretAccessKey }));
    const temp = sts.issueRoleSession(procRole.arn, 'from-helper', 3600);
    await fs.writeFile(
      path.join(helperDir, 'temp.json'),
      JSON.stringify({ Version: 1, AccessKeyId: temp.accessKeyId, SecretAccessKey: temp.secretAccessKey, SessionToken: temp.sessionToken, Expiration: temp.expiration.toISOString() }),
    );
    const cmd = (mode: string, extra = ''): string => `"${helper}" ${mode}${extra}`;
    await fs.writeFile(
      j.box.configFile,
      [
        `[profile proc]\ncredential_process = ${cmd('long', ` 'two words' $HOME;touch${' '}pwned`)}\n`,
        `[profile viaproc]\nsource_profile = proc\nrole_arn = ${ro.arn}\n`,
        `[profile tempproc]\ncredential_process = ${cmd('temp')}\n`,
        `[profile viatemp]\nsource_profile = tempproc\nrole_arn = ${deploy.arn}\n`,
        `[profile viatemp2]\nsource_profile = tempproc\nrole_arn = ${deploy.arn}\nrole_session_name = second\n`,
        `[profile failing]\ncredential_process = ${cmd('fail')}\n`,
        `[profile viafailing]\nsource_profile = failing\nrole_arn = ${ro.arn}\n`,
        `[profile slow]\ncredential_process = ${cmd('slow')}\n`,
        `[profile garbage]\ncredential_process = ${cmd('garbage')}\n`,
        `[profile missing]\ncredential_process = /nonexistent/credential-helper --json\n`,
      ].join('\n'),
    );
  });

  after(async () => {
    await j?.close();
    await sts?.close();
  });

  it('credd switch viaproc serves the role; the helper runs once, split like the AWS CLI splits it, never by a shell', async () => {
    const sw = await j.box.credd(['switch', 'viaproc']);
    assert.equal(sw.code, 0, sw.stderr);
    assert.match(sw.stdout, /^Switched to viaproc as arn:aws:sts::123456789012:assumed-role\/ReadOnly\//);
    assert.deepEqual(await j.requests(20), Array.from({ length: 20 }, () => 200));
    const [cli, sdk] = await Promise.all([j.awsCli(), j.jsSdk()]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /^arn:aws:sts::123456789012:assumed-role\/ReadOnly\//);
    assert.equal(sdk.code, 0, sdk.stderr);
    assert.match(sdk.stdout, /^arn:aws:sts::123456789012:assumed-role\/ReadOnly\//);
    assert.equal(sts.counts['AssumeRole'], 1, 'one AssumeRole for 20 requests and two real clients');
    assert.equal(await runs('long'), 1, 'one run of the helper');
    const args = await fs.readFile(path.join(path.dirname(helper), 'args-long'), 'utf8');
    assert.deepEqual(args.split('\n').slice(0, -1), ['long', 'two words', '$HOME;touch', 'pwned'], 'quotes honoured, nothing expanded');
    await assert.rejects(fs.access(path.join(j.dir, 'pwned')));
  });

  it('a credential_process returning long-term keys is refused when switched to directly', async () => {
    await expectFailure(
      'proc',
      'Profile "proc": its credential_process returns long-term keys (no SessionToken and Expiration), which credd does not serve; switch to a role with source_profile = proc instead.',
    );
  });

  it('one returning temporary credentials is served as they are; roles sourcing it reuse them until near their Expiration or credd clear', async () => {
    const sw = await j.box.credd(['switch', 'tempproc']);
    assert.equal(sw.code, 0, sw.stderr);
    assert.deepEqual(await j.requests(20), Array.from({ length: 20 }, () => 200));
    const [cli, sdk] = await Promise.all([j.awsCli(), j.jsSdk()]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(cli.stdout.trim(), 'arn:aws:sts::123456789012:assumed-role/ProcRole/from-helper');
    assert.equal(sdk.code, 0, sdk.stderr);
    assert.equal(sdk.stdout.trim(), 'arn:aws:sts::123456789012:assumed-role/ProcRole/from-helper');
    assert.equal(await runs('temp'), 1, 'one run for 20 requests and two real clients');
    for (const role of ['viatemp', 'viatemp2']) {
      const via = await j.box.credd(['switch', role]);
      assert.equal(via.code, 0, via.stderr);
      assert.match(via.stdout, /assumed-role\/Deploy\//);
    }
    assert.equal(await runs('temp'), 1, 'two roles on top reused the output until near its Expiration');
    assert.equal((await j.box.credd(['clear', 'viatemp'])).code, 0);
    const again = await j.box.credd(['switch', 'viatemp']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await runs('temp'), 2, 'credd clear forgets it: the helper runs again');
  });

  it('list names each profile kind', async () => {
    const r = await j.box.credd(['list', '--json']);
    const kinds = Object.fromEntries((JSON.parse(r.stdout) as Array<{ name: string; kind: string }>).map((p) => [p.name, p.kind]));
    assert.deepEqual(kinds, { failing: 'process', garbage: 'process', missing: 'process', proc: 'process', slow: 'process', tempproc: 'process', viafailing: 'role', viaproc: 'role', viatemp: 'role', viatemp2: 'role' });
    const text = (await j.box.credd(['list'])).stdout;
    assert.match(text, /missing +credential_process +credential_process program "\/nonexistent\/credential-helper" is not an executable file/);
  });

  it('a failing, slow, silent or missing helper gives one sentence naming the profile', async () => {
    await expectFailure('viafailing', `Profile "failing": credential_process ${helper} failed (exit status 3): op: you are not signed in`);
    await expectFailure('failing', `Profile "failing": credential_process ${helper} failed (exit status 3): op: you are not signed in`);
    await expectFailure('slow', `Profile "slow": credential_process ${helper} did not finish within 2 s and was stopped.`);
    await expectFailure('garbage', `Profile "garbage": credential_process ${helper} printed something that is not JSON.`);
    await expectFailure('missing', 'Profile "missing": credential_process /nonexistent/credential-helper could not be started (no such program).');
  });
});
