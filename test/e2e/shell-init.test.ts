/**
 * `credd init bash|zsh|fish`, from the built CLI, in the real shells: the snippet alone points
 * the real `aws` CLI at a running daemon, starts no process, and an open interactive shell
 * (on a pseudo-terminal, test/support/pty-driver.py) keeps working across `credd token rotate`
 * and a daemon restart on another port. CREDD_HOME has a quote, `$(…)` and spaces in it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CREDD_BIN, ROOT, run, sandbox, type Sandbox } from '../support/cli-harness.js';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon-process.js';
import { startStsEmulator, type EmulatedUser, type StsEmulator } from '../support/sts-emulator.js';

type Shell = 'bash' | 'zsh' | 'fish';
const SHELLS: readonly Shell[] = ['bash', 'zsh', 'fish'];
const has = (cmd: string): boolean => spawnSync(cmd, cmd === 'strace' ? ['-V'] : ['-c', 'exit 0']).status === 0;
/** Absolute, for a child whose own PATH finds nothing. */
const which = (cmd: string): string => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim();
const skipFor = (sh: Shell): string | false => (has(sh) ? false : `${sh} is not installed on this machine`);
const ARN = /arn:aws:sts::123456789012:assumed-role\/ReadOnly\/credd-/;

/** How each shell is started with nothing of the user's (the contract: `bash --norc`). */
const bare: Record<Shell, string[]> = { bash: ['--norc', '--noprofile'], zsh: ['-f'], fish: ['--no-config'] };
const status: Record<Shell, string> = { bash: '$?', zsh: '$?', fish: '$status' };

describe('credd init: the rc snippet, in real shells, with the real aws CLI', () => {
  let sts: StsEmulator;
  let alice: EmulatedUser;
  let dir: string;
  let box: Sandbox;
  let daemon: DaemonProcess | undefined;
  let bin: string;
  const snippet: Record<Shell, string> = { bash: '', zsh: '', fish: '' };

  /** What a user's shell has: credd's sandbox, credd on PATH and STS; no AWS config, no region (the snippet's region follower gives it). */
  const shellEnv = (): Record<string, string> => ({
    ...box.env,
    PATH: `${bin}:${box.env['PATH'] ?? ''}`,
    TERM: 'dumb',
    AWS_ENDPOINT_URL_STS: sts.url,
  });
  const awsLine = 'AWS_CONFIG_FILE=/nonexistent aws sts get-caller-identity --query Arn --output text';

  before(async () => {
    sts = await startStsEmulator();
    alice = sts.createUser({ userName: 'alice' });
    const ro = sts.createRole({ roleName: 'ReadOnly', trustedPrincipals: [alice.arn] });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-init-'));
    box = await sandbox({
      stsUrl: sts.url,
      config: `[profile base]\nregion = us-east-1\n\n[profile readonly]\nsource_profile = base\nrole_arn = ${ro.arn}\n`,
      extraEnv: { CREDD_HOME: path.join(dir, `it's a "$(touch pwned)" home`) },
    });
    bin = path.join(dir, 'bin');
    await fs.mkdir(bin);
    await fs.writeFile(path.join(bin, 'credd'), `#!/bin/sh\nexec '${process.execPath}' '${CREDD_BIN}' "$@"\n`, { mode: 0o755 });
    const added = await box.credd(['add', 'base', '--env'], { env: { AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey } });
    assert.equal(added.code, 0, added.stderr);
    daemon = await startDaemonProcess(box.env);
    const switched = await box.credd(['switch', 'readonly']);
    assert.equal(switched.code, 0, switched.stderr);
    for (const sh of SHELLS) {
      const r = await box.credd(['init', sh]);
      assert.equal(r.code, 0, r.stderr);
      snippet[sh] = path.join(dir, `init.${sh}`);
      await fs.writeFile(snippet[sh], r.stdout);
    }
  });

  after(async () => {
    await box?.credd(['stop']);
    await daemon?.stop();
    await box?.cleanup();
    await sts?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('an unknown shell is a usage error, and nothing is printed for the rc file', async () => {
    const r = await box.credd(['init', 'tcsh']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'credd: No init snippet for shell "tcsh"; use bash, zsh or fish.\n');
  });

  for (const sh of SHELLS) {
    it(`${sh}: sourced by a bare shell, the snippet alone makes aws sts get-caller-identity work`, { skip: skipFor(sh) }, async () => {
      const r = await run(sh, [...bare[sh], '-c', `source ${JSON.stringify(snippet[sh])}; ${awsLine}`], { env: shellEnv() });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, ARN);
      assert.equal(r.stderr, '', 'the daemon runs: no notice');
      await assert.rejects(fs.access(path.join(dir, 'pwned')), 'nothing in the path was run');
    });
  }

  for (const sh of SHELLS) {
    // strace sees every process the shell would start; PATH is empty so none could be found anyway.
    it(`${sh}: sourcing the snippet and running its prompt hooks starts no process`, { skip: skipFor(sh) || (has('strace') ? false : 'strace is not installed') }, async () => {
      const trace = path.join(dir, `trace.${sh}`);
      const script = `source ${JSON.stringify(snippet[sh])}; _credd_env; _credd_region; _credd_notice; echo "$AWS_CONTAINER_AUTHORIZATION_TOKEN"`;
      const r = await run(which('strace'), ['-f', '-qq', '-e', 'trace=execve,fork,vfork,clone,clone3', '-o', trace, which(sh), ...bare[sh], '-c', script], { env: { ...shellEnv(), PATH: '/nonexistent' } });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^[A-Za-z0-9_-]{43}\n$/, 'the token was set');
      const calls = (await fs.readFile(trace, 'utf8')).split('\n').filter((l) => /\b(execve|fork|vfork|clone3?)\(/.test(l));
      // A thread (CLONE_THREAD: fish's I/O pool) is not a process.
      const processes = calls.filter((l) => !l.includes('CLONE_THREAD'));
      assert.deepEqual(processes.map((l) => l.replace(/^\d+\s+/, '').slice(0, 7)), ['execve('], `only the shell itself:\n${processes.join('\n')}`);
    });
  }

  for (const sh of SHELLS) {
    it(`${sh}: an open interactive shell keeps working across credd token rotate and a daemon restart on another port`, { skip: skipFor(sh) }, async () => {
      const mark = (n: string): string => `echo "R""${n}=${status[sh]}"`;
      const steps = [
        { send: `source ${JSON.stringify(snippet[sh])}\r` },
        { send: `${awsLine}; ${mark('1')}\r` },
        { expect: 'R1=0', timeout: 60 },
        { send: sh === 'fish' ? 'set old $AWS_CONTAINER_AUTHORIZATION_TOKEN; credd token rotate\r' : 'old=$AWS_CONTAINER_AUTHORIZATION_TOKEN; credd token rotate\r' },
        { expect: 'new token in place', timeout: 60 },
        { send: `${awsLine}; ${mark('2')}\r` },
        { expect: 'R2=', timeout: 60 },
        { send: `env AWS_CONTAINER_AUTHORIZATION_TOKEN="$old" ${awsLine} 2>/dev/null; ${mark('3')}\r` },
        { expect: 'R3=', timeout: 60 },
        { send: 'credd stop; credd daemon --detach --port 0\r' },
        { expect: 'running in the background', timeout: 90 },
        { send: `${awsLine}; ${mark('4')}\r` },
        { expect: 'R4=', timeout: 60 },
        { send: 'echo "U""RI=$AWS_CONTAINER_CREDENTIALS_FULL_URI"\r' },
        { expect: 'URI=http' },
        { send: 'exit\r' },
      ];
      const r = await run('python3', [path.join(ROOT, 'test/support/pty-driver.py'), JSON.stringify(steps), sh, ...bare[sh], '-i'], { env: shellEnv(), timeoutMs: 300_000 });
      assert.equal(r.code, 0, r.stderr);
      const session = JSON.parse(r.stdout) as { transcript: string; error: string | null };
      const t = session.transcript.replace(/\r/g, '');
      assert.equal(session.error, null, t);
      assert.match(t, /R1=0/, t);
      assert.match(t, /R2=0/, `after the rotation the shell presents the new token:\n${t}`);
      assert.doesNotMatch(t, /R3=0/, `the old token is refused, so R2 was not luck:\n${t}`);
      assert.match(t, /R4=0/, `after the restart the shell follows the new port:\n${t}`);
      const info = JSON.parse(await fs.readFile(path.join(box.env['CREDD_HOME'] ?? '', 'daemon.json'), 'utf8')) as { port: number };
      assert.ok(t.includes(`URI=http://127.0.0.1:${info.port}/v1/credentials`), t);
      assert.equal((t.match(ARN) ?? []).length > 0, true);
      daemon = undefined;
    });
  }
});
