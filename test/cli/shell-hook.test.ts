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
import { cleanEnv, run, sandbox, type RunResult, type Sandbox } from '../support/cli-harness.js';

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

  it('--hook without a known shell is refused with a clear message', async () => {
    const r = await box.credd(['env', '--hook', 'fish']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^credd: No prompt hook for shell "fish"; use --hook bash or --hook zsh\.\n$/);
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
    assert.equal(r.stdout, '_credd_notice;history -a');
    const fresh = await shell('bash', 'unset PROMPT_COMMAND; eval "$(cat "$1")"; eval "$(cat "$1")"; printf "%s" "$PROMPT_COMMAND"');
    assert.equal(fresh.stdout, '_credd_notice');
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
    assert.equal(r.stdout, 'other,_credd_notice\n');
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
