/**
 * The prompt hook of `credd env --hook bash|zsh`, from the built CLI, evaluated by the real
 * shells the way a shell rc does (`eval "$(credd env --hook bash)"`), with no daemon running.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CREDD_BIN, cleanEnv, run, sandbox, type RunResult, type Sandbox } from '../support/cli-harness.js';

const HAS_ZSH = spawnSync('zsh', ['-fc', 'exit 0']).status === 0;
const LINE = 'MFA code needed for admin since 09:41; run: credd switch admin';
const CALLS = 1000;

describe('credd env --hook: the prompt notice', () => {
  let dir: string;
  let box: Sandbox;
  let notice: string;
  const hookFile: Record<'bash' | 'zsh', string> = { bash: '', zsh: '' };

  /** Runs `script` in a non-interactive shell with no rc files; $1 is the saved hook output. */
  const shell = (sh: 'bash' | 'zsh', script: string, extra: Record<string, string> = {}): Promise<RunResult> =>
    run(sh, sh === 'bash' ? ['--norc', '--noprofile', '-c', script, 'bash', hookFile.bash] : ['-f', '-c', script, 'zsh', hookFile.zsh], {
      env: cleanEnv({ LC_ALL: 'C', ...extra }),
    });
  const setNotice = (text: string | undefined) => (text === undefined ? fs.rm(notice, { force: true }) : fs.writeFile(notice, `${text}\n`));

  before(async () => {
    // A CREDD_HOME with a space and a quote: the hook must quote the notice path safely.
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-hook-'));
    const home = path.join(dir, "it's home");
    notice = path.join(home, 'notice');
    box = await sandbox({ config: '', stsUrl: 'http://127.0.0.1:9', extraEnv: { CREDD_HOME: home } });
    // A daemon that runs, as far as the hook can tell: a pid file naming a live process (this one).
    await fs.mkdir(home, { recursive: true });
    await fs.writeFile(path.join(home, 'daemon.pid'), `${process.pid}\n`);
    for (const sh of ['bash', 'zsh'] as const) {
      const r = await box.credd(['env', '--hook', sh]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^export AWS_CONTAINER_CREDENTIALS_FULL_URI=/m, 'the usual lines come first');
      hookFile[sh] = path.join(dir, `hook.${sh}`);
      await fs.writeFile(hookFile[sh], r.stdout);
    }
  });

  after(async () => {
    await box?.cleanup();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('--hook for an unknown shell is a usage error, and nothing is printed for the eval', async () => {
    const r = await box.credd(['env', '--hook', 'tcsh']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^credd: No prompt hook for shell "tcsh"; use --hook bash, --hook zsh or --hook fish\.\n$/);
  });

  for (const sh of ['bash', 'zsh'] as const) {
    const skip = sh === 'zsh' && !HAS_ZSH ? 'zsh is not installed on this machine' : false;

    it(`${sh}: prints the notice once, on stderr, and nothing while there is none`, { skip }, async () => {
      await setNotice(LINE);
      const twice = await shell(sh, 'eval "$(cat "$1")"; _credd_notice; _credd_notice; echo done');
      assert.equal(twice.code, 0, twice.stderr);
      assert.equal(twice.stderr, `credd: ${LINE}\n`, 'once, although called twice');
      assert.equal(twice.stdout, 'done\n', 'stdout stays clean');
      await setNotice(undefined);
      const none = await shell(sh, 'eval "$(cat "$1")"; _credd_notice; _credd_notice; echo done');
      assert.equal(none.code, 0);
      assert.equal(none.stderr, '');
    });

    it(`${sh}: a new line is printed again; the same line after a quiet spell too`, { skip }, async () => {
      const script = [
        'eval "$(cat "$1")"',
        'printf "%s\\n" "first" > "$N"; _credd_notice; _credd_notice',
        'printf "%s\\n" "second" > "$N"; _credd_notice',
        'rm -f "$N"; _credd_notice',
        'printf "%s\\n" "second" > "$N"; _credd_notice',
        ': > "$N"; _credd_notice',
      ].join('\n');
      const r = await shell(sh, script, { N: notice });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, 'credd: first\ncredd: second\ncredd: second\n');
    });
  }

  it('bash: PROMPT_COMMAND holds _credd_notice once after two evals, and keeps what was there', async () => {
    const r = await shell('bash', 'eval "$(cat "$1")"; eval "$(cat "$1")"; printf "%s" "$PROMPT_COMMAND"', { PROMPT_COMMAND: 'history -a' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '_credd_notice;_credd_region;history -a');
    const fresh = await shell('bash', 'unset PROMPT_COMMAND; eval "$(cat "$1")"; eval "$(cat "$1")"; printf "%s" "$PROMPT_COMMAND"');
    assert.equal(fresh.stdout, '_credd_notice;_credd_region');
  });

  // Prompt tools (starship, powerline-go, liquidprompt…) read $? first thing in their own
  // PROMPT_COMMAND function; bash runs PROMPT_COMMAND with $? of the user's last command.
  it('bash: a prompt command after the hook still sees the exit status of the last command', async () => {
    await setNotice(undefined);
    const script = 'theirs() { echo "status=$?"; }; PROMPT_COMMAND=theirs; eval "$(cat "$1")"; false; eval "$PROMPT_COMMAND"';
    const r = await shell('bash', script);
    assert.equal(r.stdout, 'status=1\n');
  });

  it('zsh: precmd_functions holds _credd_notice once after two evals', { skip: HAS_ZSH ? false : 'zsh is not installed on this machine' }, async () => {
    const r = await shell('zsh', 'precmd_functions=(other); eval "$(cat "$1")"; eval "$(cat "$1")"; print -r -- "${(j:,:)precmd_functions}"');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'other,_credd_region,_credd_notice\n');
  });

  it(`bash: the cost of the hook per prompt (${CALLS} calls; reported, not asserted)`, async (t) => {
    const loop = `s=$EPOCHREALTIME; for ((i=0; i<${CALLS}; i++)); do _credd_notice; done 2>/dev/null; e=$EPOCHREALTIME; echo "$s $e"`;
    const perCall = async (text: string | undefined): Promise<number> => {
      await setNotice(text);
      const r = await shell('bash', `eval "$(cat "$1")"; ${loop}`);
      assert.equal(r.code, 0, r.stderr);
      const [s, e] = r.stdout.trim().split(' ').map(Number);
      assert.ok(s !== undefined && e !== undefined && e >= s, r.stdout);
      return ((e - s) * 1e6) / CALLS;
    };
    const absent = await perCall(undefined);
    const present = await perCall(LINE);
    t.diagnostic(`_credd_notice in bash: ${absent.toFixed(1)} µs per call with no notice file, ${present.toFixed(1)} µs with a notice (printed once, then read and compared)`);
  });
});

describe('credd env in the running shell: runtime detection, fish, region, daemon down', () => {
  let box: Sandbox;
  const HAS_FISH = spawnSync('fish', ['-c', 'exit 0']).status === 0;

  before(async () => {
    box = await sandbox({ config: '[profile base]\nregion = eu-west-1\n', stsUrl: 'http://127.0.0.1:9' });
    await fs.mkdir(box.home, { recursive: true });
  });

  after(async () => {
    await box?.cleanup();
  });

  /** `script` in SH with the built credd on PATH as `credd`. */
  const inShell = async (sh: string, args: string[], script: string, extra: Record<string, string> = {}): Promise<RunResult> => {
    const bin = path.join(box.home, '..', 'bin');
    await fs.mkdir(bin, { recursive: true });
    await fs.writeFile(path.join(bin, 'credd'), `#!/bin/sh\nexec '${process.execPath}' '${CREDD_BIN}' "$@"\n`, { mode: 0o755 });
    return run(sh, [...args, script], { env: { ...box.env, PATH: `${bin}:${box.env['PATH'] ?? ''}`, ...extra } });
  };

  it('bash started with SHELL=/bin/zsh: eval "$(credd env --hook)" prints nothing and exits 0', async () => {
    const r = await inShell('bash', ['--norc', '-c'], 'eval "$(credd env --hook)"', { SHELL: '/bin/zsh' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout + r.stderr, '');
    const inBash = await inShell('bash', ['--norc', '-c'], 'eval "$(credd env --hook)"; printf "%s" "$PROMPT_COMMAND"', { SHELL: '/bin/zsh' });
    assert.equal(inBash.stdout, '_credd_notice;_credd_region', 'bash code, chosen at runtime');
  });

  it('sh (dash) can eval the plain credd env lines', async () => {
    const r = await inShell('sh', ['-c'], 'eval "$(credd env)"; echo "$AWS_CONTAINER_CREDENTIALS_FULL_URI"');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^http:\/\/127\.0\.0\.1:\d+\/v1\/credentials\n$/);
  });

  it('the region follows credd switch at the next prompt, and a region set by hand is left alone', async () => {
    const file = path.join(box.home, 'region');
    const script = [
      'eval "$(credd env)"',
      'echo "1:${AWS_REGION:-none}/${AWS_DEFAULT_REGION:-none}"',
      `printf 'eu-west-1\\n' > '${file}'; _credd_region; echo "2:$AWS_REGION/$AWS_DEFAULT_REGION"`,
      `printf 'us-west-2\\n' > '${file}'; _credd_region; echo "3:$AWS_REGION/$AWS_DEFAULT_REGION"`,
      `: > '${file}'; _credd_region; echo "4:\${AWS_REGION:-none}/\${AWS_DEFAULT_REGION:-none}"`,
      `export AWS_REGION=ap-south-1; printf 'eu-west-1\\n' > '${file}'; _credd_region; echo "5:$AWS_REGION"`,
    ].join('\n');
    await fs.rm(file, { force: true });
    const r = await inShell('bash', ['--norc', '-c'], script);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '1:none/none\n2:eu-west-1/eu-west-1\n3:us-west-2/us-west-2\n4:none/none\n5:ap-south-1\n');
  });

  it('after credd stop (no live pid), the bash hook says once that the daemon is down', async () => {
    await fs.writeFile(path.join(box.home, 'daemon.pid'), '999999\n');
    const r = await inShell('bash', ['--norc', '-c'], 'eval "$(credd env --hook)"; _credd_notice; _credd_notice; echo ok');
    assert.equal(r.stdout, 'ok\n');
    assert.equal(r.stderr, 'credd: credd daemon is not running; start it: credd daemon --detach\n');
  });

  it('fish: credd env --shell fish and --hook fish load in fish, with the region and the notices', { skip: HAS_FISH ? false : 'fish is not installed' }, async () => {
    const plain = await box.credd(['env', '--shell', 'fish']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.doesNotMatch(plain.stdout, /^unset |^export /m);
    assert.match(plain.stdout, /^set -gx AWS_CONTAINER_CREDENTIALS_FULL_URI 'http:\/\/127\.0\.0\.1:\d+\/v1\/credentials'$/m);
    await fs.writeFile(path.join(box.home, 'region'), 'eu-west-1\n');
    await fs.writeFile(path.join(box.home, 'notice'), 'MFA code needed for admin since 09:41; run: credd switch admin\n');
    const r = await inShell('fish', ['--no-config', '-c'], 'credd env --hook fish | source; echo $AWS_CONTAINER_CREDENTIALS_FULL_URI $AWS_REGION $AWS_DEFAULT_REGION; _credd_notice; _credd_notice');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^http:\/\/127\.0\.0\.1:\d+\/v1\/credentials eu-west-1 eu-west-1\n$/);
    assert.equal(r.stderr, 'credd: MFA code needed for admin since 09:41; run: credd switch admin\n');
    await fs.rm(path.join(box.home, 'notice'));
    const down = await inShell('fish', ['--no-config', '-c'], 'credd env --hook | source; _credd_notice');
    assert.equal(down.code, 0, down.stderr);
    assert.equal(down.stderr, 'credd: credd daemon is not running; start it: credd daemon --detach\n', 'fish detected as the running shell');
  });
});
