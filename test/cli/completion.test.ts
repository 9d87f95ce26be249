/**
 * `credd completion bash|zsh|fish` from the built CLI, checked by the real shells (bash always;
 * zsh and fish when installed), plus `--help` for every command the top-level help lists.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CREDD_BIN, cleanEnv, run, type RunResult } from '../support/cli-harness.js';

const has = (shell: string): boolean => spawnSync(shell, ['-c', 'exit 0']).status === 0;
const NO_ZSH = has('zsh') ? false : 'zsh is not installed here (apt-get install zsh)';
const NO_FISH = has('fish') ? false : 'fish is not installed here (apt-get install fish)';

const CONFIG = [
  '[default]',
  'region = us-east-1',
  '',
  '[profile base]',
  'region = eu-west-1',
  '',
  '  [profile readonly]  ',
  'source_profile = base',
  '',
  '[profile  research-admin]',
  'source_profile = base',
  '',
  '[sso-session corp]',
  'sso_region = us-east-1',
  '',
].join('\n');

describe('credd completion', () => {
  let dir: string;
  let configFile: string;
  const scripts: Record<string, string> = {};
  const credd = (args: string[], extra: Record<string, string> = {}): Promise<RunResult> =>
    run(process.execPath, [CREDD_BIN, ...args], { env: cleanEnv({ HOME: dir, ...extra }) });

  /** Sources the bash script and runs _credd as bash's programmable completion would for `words`. */
  const complete = async (words: string[], extra: Record<string, string> = { AWS_CONFIG_FILE: configFile }): Promise<string[]> => {
    const script = 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _credd; printf "%s\\n" "${COMPREPLY[@]}"';
    const r = await run('bash', ['--norc', '--noprofile', '-c', script, 'bash', scripts['bash'] ?? '', ...words], { env: cleanEnv({ HOME: dir, ...extra }) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    return r.stdout.split('\n').filter((l) => l !== '');
  };

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-completion-'));
    configFile = path.join(dir, 'aws config');
    await fs.writeFile(configFile, CONFIG);
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = await credd(['completion', shell]);
      assert.equal(r.code, 0, r.stderr);
      scripts[shell] = path.join(dir, `credd.${shell}`);
      await fs.writeFile(scripts[shell], r.stdout);
    }
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it('bash: the script passes bash -n and registers the completion', async () => {
    const n = await run('bash', ['-n', scripts['bash'] ?? ''], { env: cleanEnv() });
    assert.equal(n.code, 0, n.stderr);
    const r = await run('bash', ['--norc', '--noprofile', '-c', 'source "$1" && complete -p credd', 'bash', scripts['bash'] ?? ''], { env: cleanEnv() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'complete -F _credd credd');
  });

  it('bash: completes commands', async () => {
    assert.deepEqual(await complete(['credd', 'sw']), ['switch']);
    assert.deepEqual(await complete(['credd', 'do']), ['doctor']);
    const all = await complete(['credd', '']);
    for (const c of ['add', 'switch', 'env', 'doctor', 'logs', 'service', 'completion', '--help', '--version']) assert.ok(all.includes(c), c);
  });

  it('bash: completes flags and subcommands', async () => {
    const env = await complete(['credd', 'env', '--']);
    assert.ok(env.includes('--imds') && env.includes('--hook'), env.join(' '));
    assert.ok(env.every((f) => f.startsWith('--')));
    assert.deepEqual(await complete(['credd', 'env', '--i']), ['--imds']);
    const service = await complete(['credd', 'service', '']);
    for (const s of ['install', 'uninstall', 'status']) assert.ok(service.includes(s), service.join(' '));
    assert.deepEqual(await complete(['credd', 'service', 'un']), ['uninstall']);
    assert.deepEqual(await complete(['credd', 'logs', '--f']), ['--follow', '--file']);
  });

  it('bash: completes profile names from AWS_CONFIG_FILE, including [default], not sso-sessions', async () => {
    assert.deepEqual((await complete(['credd', 'switch', ''])).sort(), ['base', 'default', 'readonly', 'research-admin']);
    assert.deepEqual(await complete(['credd', 'switch', 're']), ['readonly', 'research-admin']);
    assert.deepEqual(await complete(['credd', 'exec', 'ba']), ['base']);
    assert.deepEqual(await complete(['credd', 'env', 'd']), ['default']);
    assert.deepEqual(await complete(['credd', 'doctor', '']), ['--help'], 'doctor takes no profile');
  });

  it('bash: without AWS_CONFIG_FILE it reads ~/.aws/config; a missing file completes nothing, silently', async () => {
    await fs.mkdir(path.join(dir, '.aws'), { recursive: true });
    await fs.writeFile(path.join(dir, '.aws', 'config'), '[profile from-home]\n');
    assert.deepEqual(await complete(['credd', 'switch', ''], {}), ['from-home']);
    assert.deepEqual(await complete(['credd', 'switch', ''], { AWS_CONFIG_FILE: path.join(dir, 'missing') }), []);
  });

  it('bash: command aliases complete like their command', async () => {
    assert.ok((await complete(['credd', 'use', ''])).includes('readonly'));
  });

  it('bash: flags of a subcommand', async () => {
    assert.ok((await complete(['credd', 'service', 'install', '--'])).includes('--dry-run'));
  });

  it('zsh: the script passes zsh -n', { skip: NO_ZSH }, async () => {
    const r = await run('zsh', ['-n', scripts['zsh'] ?? ''], { env: cleanEnv() });
    assert.equal(r.code, 0, r.stderr);
  });

  it('zsh: _credd offers commands, flags, subcommands and profiles (compadd stubbed)', { skip: NO_ZSH }, async () => {
    const offered = async (...words: string[]): Promise<string[]> => {
      const script = 'compdef() { :; }; compadd() { [[ $1 == -- ]] && shift; print -rl -- "$@"; }; source "$1"; shift; words=("$@"); CURRENT=$#; _credd';
      const r = await run('zsh', ['-f', '-c', script, 'zsh', scripts['zsh'] ?? '', ...words], { env: cleanEnv({ HOME: dir, AWS_CONFIG_FILE: configFile }) });
      assert.equal(r.stderr, '');
      return r.stdout.split('\n').filter((l) => l !== '');
    };
    assert.ok((await offered('credd', 'sw')).includes('switch'));
    assert.ok((await offered('credd', 'env', '--')).includes('--imds'));
    assert.deepEqual(await offered('credd', 'service', ''), ['install', 'uninstall', 'status']);
    assert.deepEqual((await offered('credd', 'switch', '')).sort(), ['base', 'default', 'readonly', 'research-admin']);
  });

  it('fish: the script passes fish -n', { skip: NO_FISH }, async () => {
    const r = await run('fish', ['-n', scripts['fish'] ?? ''], { env: cleanEnv() });
    assert.equal(r.code, 0, r.stderr);
  });

  it('fish: sourcing it prints nothing and completes profile names', { skip: NO_FISH }, async () => {
    const script = 'source "$argv[1]"; complete -C "credd switch "';
    const r = await run('fish', ['--no-config', '-c', script, scripts['fish'] ?? ''], { env: cleanEnv({ HOME: dir, AWS_CONFIG_FILE: configFile }) });
    assert.equal(r.stderr, '');
    assert.deepEqual(r.stdout.split('\n').filter((l) => l !== '').sort(), ['base', 'default', 'readonly', 'research-admin']);
  });

  it('fish: the profile lookup is fish syntax, not bash ${VAR:-default}', async () => {
    assert.doesNotMatch(await fs.readFile(scripts['fish'] ?? '', 'utf8'), /\$\{AWS_CONFIG_FILE:-/);
  });

  it('zsh and fish scripts name every command', async () => {
    const zsh = await fs.readFile(scripts['zsh'] ?? '', 'utf8');
    const fish = await fs.readFile(scripts['fish'] ?? '', 'utf8');
    assert.match(zsh, /compdef _credd credd/);
    for (const c of ['switch', 'env', 'doctor', 'service']) {
      assert.match(zsh, new RegExp(`^ {4}${c}(\\|[\\w|]+)?\\) opts=`, 'm'));
      assert.match(fish, new RegExp(`^complete -c credd -n __fish_use_subcommand -a ${c}$`, 'm'));
    }
  });

  it('an unknown shell is a usage error (exit 2) with a clear message', async () => {
    const r = await credd(['completion', 'tcsh']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'credd: No completion for "tcsh"; use bash, zsh or fish.\n');
  });
});

describe('credd --help', () => {
  it('works for every command it lists (and their aliases and subcommands), exit 0', async () => {
    const env = cleanEnv({ HOME: os.tmpdir() });
    const top = await run(process.execPath, [CREDD_BIN, '--help'], { env });
    assert.equal(top.code, 0, top.stderr);
    const section = top.stdout.split('\nCommands:\n')[1] ?? '';
    const names = [...section.matchAll(/^ {2}(\S+)/gm)].flatMap((m) => (m[1] ?? '').split('|')).filter((n) => n !== 'help');
    assert.ok(names.length >= 20, names.join(' '));
    for (const c of ['switch', 'use', 'doctor', 'logs', 'service', 'completion', 'daemon']) assert.ok(names.includes(c), c);
    const argvs = [...names.map((n) => [n]), ['service', 'install'], ['service', 'uninstall'], ['service', 'status']];
    const results = await Promise.all(argvs.map((a) => run(process.execPath, [CREDD_BIN, ...a, '--help'], { env })));
    results.forEach((r, i) => {
      const argv = (argvs[i] ?? []).join(' ');
      assert.equal(r.code, 0, `credd ${argv} --help: ${r.stderr}`);
      assert.match(r.stdout, /^Usage: credd \S+/, argv);
      assert.equal(r.stderr, '', argv);
    });
  });
});
