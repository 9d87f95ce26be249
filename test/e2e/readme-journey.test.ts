/**
 * The README's "Using it" section, executed line by line in a clean interactive bash on a
 * real pseudo-terminal (test/support/pty-driver.py), with the README's own config (region only
 * on base, no AWS_REGION anywhere), the real `aws` CLI and the bundled STS emulator.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CREDD_BIN, ROOT, run, sandbox, type Sandbox } from '../support/cli-harness.js';
import { freePort } from '../support/free-port.js';
import { startStsEmulator, type EmulatedUser, type StsEmulator } from '../support/sts-emulator.js';

type Step = { expect: string } | { send: string };
const PROMPT = 'readme$ ';

/** The first fenced block of the given language after a heading, line by line. */
async function readmeBlock(heading: string, lang: string): Promise<string[]> {
  const text = await fs.readFile(path.join(ROOT, 'README.md'), 'utf8');
  const from = text.indexOf(`\n${heading}\n`);
  assert.ok(from >= 0, `README has no "${heading}"`);
  const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(text.slice(from));
  assert.ok(m?.[1], `no ${lang} block under ${heading}`);
  return m[1].split('\n').filter((l) => l.trim() !== '');
}

describe('README "Using it", word for word', () => {
  let sts: StsEmulator;
  let alice: EmulatedUser;
  let box: Sandbox;
  let bin: string;

  before(async () => {
    sts = await startStsEmulator();
    alice = sts.createUser({ userName: 'alice', accountId: '123456789012' });
    sts.createRole({ roleName: 'ReadOnly', accountId: '123456789012', trustedPrincipals: [alice.arn] });
    const config = (await readmeBlock('## Using it', 'ini')).join('\n');
    assert.match(config, /\[profile readonly\]\nsource_profile = base\n/, 'the README config is the one tested');
    // The only additions to a clean environment: where STS is (the emulator) and a free port.
    box = await sandbox({ stsUrl: sts.url, config: `${config}\n`, extraEnv: { CREDD_PORT: String(await freePort()) } });
    bin = path.join(path.dirname(box.home), 'bin');
    await fs.mkdir(bin);
    // What `npm install -g credd` puts on PATH (the install itself is tested in test/e2e/package.test.ts).
    await fs.writeFile(path.join(bin, 'credd'), `#!/bin/sh\nexec '${process.execPath}' '${CREDD_BIN}' "$@"\n`, { mode: 0o755 });
  });

  after(async () => {
    await box?.credd(['stop']);
    await box?.cleanup();
    await sts?.close();
  });

  it('prints the assumed-role ARN, with no region set anywhere but on base', async () => {
    const lines = await readmeBlock('## Using it', 'sh');
    const steps: Step[] = [{ expect: PROMPT }];
    for (const line of lines) {
      steps.push({ send: `${line}\r` });
      if (line.startsWith('credd add ')) {
        steps.push({ expect: 'Access Key ID: ' }, { send: `${alice.accessKeyId}\r` }, { expect: 'Secret Access Key: ' }, { send: `${alice.secretAccessKey}\r` });
      }
      steps.push({ expect: PROMPT });
    }
    steps.push({ send: 'exit\r' });
    const env: Record<string, string> = { ...box.env, PATH: `${bin}:${box.env['PATH'] ?? ''}`, TERM: 'xterm' };
    // A clean shell whose only setting is a prompt the driver can recognise.
    const rc = path.join(bin, 'rc');
    await fs.writeFile(rc, `PS1='${PROMPT}'\n`);
    assert.equal(env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'], undefined);
    const r = await run('python3', [path.join(ROOT, 'test/support/pty-driver.py'), JSON.stringify(steps), 'bash', '--rcfile', rc, '--noprofile', '-i'], { env, timeoutMs: 90_000 });
    assert.equal(r.code, 0, r.stderr);
    const session = JSON.parse(r.stdout) as { transcript: string; code: number | null; error: string | null };
    assert.equal(session.error, null, session.transcript);
    assert.match(session.transcript, /"Arn": "arn:aws:sts::123456789012:assumed-role\/ReadOnly\/credd-[^"]+"/, session.transcript);
    assert.doesNotMatch(session.transcript, /You must specify a region|Traceback|unexpected error/);
    assert.ok(!session.transcript.includes(alice.secretAccessKey), 'the secret was not echoed');
  });

  it('credd exec gives the child the profile\'s region (from base, up the chain), and the aws CLI works there', async () => {
    const echo = await box.credd(['exec', 'readonly', '--', 'sh', '-c', 'echo $AWS_REGION/$AWS_DEFAULT_REGION']);
    assert.equal(echo.code, 0, echo.stderr);
    assert.equal(echo.stdout, 'eu-west-1/eu-west-1\n');
    const aws = await box.credd(['exec', 'readonly', '--', 'aws', 'sts', 'get-caller-identity', '--query', 'Arn', '--output', 'text']);
    assert.equal(aws.code, 0, aws.stderr);
    assert.match(aws.stdout, /^arn:aws:sts::123456789012:assumed-role\/ReadOnly\//);
    const theirs = await box.credd(['exec', 'readonly', '--', 'sh', '-c', 'echo $AWS_REGION/$AWS_DEFAULT_REGION'], { env: { AWS_REGION: 'ap-south-1' } });
    assert.equal(theirs.stdout, 'eu-west-1/eu-west-1\n', "the profile's region wins over the shell's");
  });

  it('eval "$(credd env)" in a plain bash (no credd init) gives the real aws CLI the active profile\'s region', async () => {
    // The issue's own report: after the README journey (readonly active), a shell set up the
    // scripts' way failed with "You must specify a region".
    const env: Record<string, string> = { ...box.env, PATH: `${bin}:${box.env['PATH'] ?? ''}` };
    assert.equal(env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'], undefined);
    const r = await run('bash', ['--norc', '--noprofile', '-c', 'eval "$(credd env)" && echo "$AWS_REGION/$AWS_DEFAULT_REGION" && aws sts get-caller-identity --query Arn --output text'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^eu-west-1\/eu-west-1\narn:aws:sts::123456789012:assumed-role\/ReadOnly\/credd-\S+\n$/);
    // A shell pinned to a profile (credd env P) gets that profile's region once, from up its chain.
    const pinned = await run('bash', ['--norc', '--noprofile', '-c', 'eval "$(credd env admin)" && echo "$AWS_REGION/$AWS_DEFAULT_REGION"'], { env });
    assert.equal(pinned.code, 0, pinned.stderr);
    assert.equal(pinned.stdout, 'eu-west-1/eu-west-1\n');
  });

  it('credd doctor warns when no region can be found, and names the region otherwise', async () => {
    const okRun = await box.credd(['doctor']);
    assert.match(okRun.stdout, /✓ region eu-west-1 for readonly/);
    await fs.writeFile(box.configFile, (await fs.readFile(box.configFile, 'utf8')).replace('region = eu-west-1\n', ''));
    const none = await box.credd(['doctor']);
    assert.match(none.stdout, /! no region for readonly: none on it, up its source_profile chain, or in AWS_REGION/);
  });
});
