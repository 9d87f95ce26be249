// Issue 13 items 6 and 8: data is never code and never terminal control. Completion in bash,
// zsh and fish never expands a profile name (hostile ones are skipped); zsh's script is quiet
// without compinit; `credd audit`, errors and the notice carry no control characters; audit
// command lines lose every secret-looking value.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AuditLog } from '../../src/daemon/audit-log.js';
import { createLogger } from '../../src/platform/logger.js';
import { CREDD_BIN, cleanEnv, run } from '../support/cli-harness.js';

const has = (shell: string): boolean => spawnSync(shell, ['-c', 'exit 0']).status === 0;
const NO_ZSH = has('zsh') ? false : 'zsh is not installed here (apt-get install zsh)';
const NO_FISH = has('fish') ? false : 'fish is not installed here (apt-get install fish)';
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex
const ANY_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('completion never runs or offers what the config file holds', () => {
  let dir: string;
  let config: string;
  const pwned = (n: number): string => path.join(dir, `PWNED${n}`);
  const scripts: Record<string, string> = {};

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-inject-'));
    config = path.join(dir, 'config');
    await fs.writeFile(
      config,
      [
        `[profile $(touch ${pwned(1)})]`,
        `[profile \`touch ${pwned(2)}\`]`,
        `[profile x;touch ${pwned(3)}]`,
        '[profile *]',
        '[profile ok-one]',
        '[profile ok.two]',
        '',
      ].join('\n'),
    );
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = await run(process.execPath, [CREDD_BIN, 'completion', shell], { env: cleanEnv({ HOME: dir }) });
      assert.equal(r.code, 0, r.stderr);
      scripts[shell] = path.join(dir, `credd.${shell}`);
      await fs.writeFile(scripts[shell], r.stdout);
    }
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  const nothingRan = async (): Promise<void> => {
    for (const n of [1, 2, 3]) await assert.rejects(fs.stat(pwned(n)), `PWNED${n} was created: completion ran code from the config`);
  };

  it('bash: TAB after `credd switch ` runs nothing and offers only the plain names', async () => {
    const script = 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _credd; printf "%s\\n" "${COMPREPLY[@]}"';
    const r = await run('bash', ['--norc', '--noprofile', '-c', script, 'bash', scripts['bash'] ?? '', 'credd', 'switch', ''], { env: cleanEnv({ HOME: dir, AWS_CONFIG_FILE: config }), cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    await nothingRan();
    assert.deepEqual(r.stdout.split('\n').filter((l) => l !== '').sort(), ['ok-one', 'ok.two']);
  });

  it('zsh: _credd runs nothing and offers only the plain names', { skip: NO_ZSH }, async () => {
    const script = 'compdef() { :; }; compadd() { [[ $1 == -- ]] && shift; print -rl -- "$@"; }; source "$1"; shift; words=("$@"); CURRENT=$#; _credd';
    const r = await run('zsh', ['-f', '-c', script, 'zsh', scripts['zsh'] ?? '', 'credd', 'switch', ''], { env: cleanEnv({ HOME: dir, AWS_CONFIG_FILE: config }), cwd: dir });
    await nothingRan();
    assert.deepEqual(r.stdout.split('\n').filter((l) => l !== '').sort(), ['ok-one', 'ok.two']);
  });

  it('zsh: sourcing the script without compinit (stock macOS zsh) prints nothing and exits 0', { skip: NO_ZSH }, async () => {
    const r = await run('zsh', ['-f', '-c', 'source "$1"', 'zsh', scripts['zsh'] ?? ''], { env: cleanEnv({ HOME: dir }) });
    assert.equal(r.stdout + r.stderr, '');
    assert.equal(r.code, 0);
  });

  it('fish: completion runs nothing and offers only the plain names', { skip: NO_FISH }, async () => {
    const r = await run('fish', ['--no-config', '-c', 'source "$argv[1]"; complete -C "credd switch "', scripts['fish'] ?? ''], { env: cleanEnv({ HOME: dir, AWS_CONFIG_FILE: config }), cwd: dir });
    await nothingRan();
    assert.deepEqual(r.stdout.split('\n').filter((l) => l !== '').sort(), ['ok-one', 'ok.two']);
  });
});

describe('nothing credd prints to a terminal carries control characters', () => {
  let home: string;
  before(async () => {
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-term-'));
  });
  after(() => fs.rm(home, { recursive: true, force: true }));

  it('credd audit: a newline in a client\'s argv forges no line, OSC/CSI sequences are escaped', async () => {
    const forged = { at: '2026-01-01T00:00:00.000Z', profile: 'admin\u001b[2J', endpoint: 'ecs', status: 200, pid: 7, command: 'curl x\n12:00:00  ecs   200  admin             pid 1 fake\u001b]0;owned\u0007 \u009b31m' };
    await fs.writeFile(path.join(home, 'audit.log'), `${JSON.stringify(forged)}\n`, { mode: 0o600 });
    await fs.chmod(home, 0o700);
    const r = await run(process.execPath, [CREDD_BIN, 'audit'], { env: cleanEnv({ CREDD_HOME: home }) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split('\n').filter((l) => l !== '').length, 1, r.stdout);
    assert.doesNotMatch(r.stdout, CONTROL);
    assert.match(r.stdout, /\\u001b\]0;owned/);
  });

  it('an error message that repeats hostile input carries no escape sequence', async () => {
    const r = await run(process.execPath, [CREDD_BIN, 'switch', 'x\u001b]0;owned\u0007\ny'], { env: cleanEnv({ CREDD_HOME: home }) });
    assert.equal(r.code, 2, 'an invalid profile name is a usage error');
    assert.doesNotMatch(r.stderr, CONTROL);
    assert.equal(r.stderr.split('\n').filter((l) => l !== '').length, 1, r.stderr);
  });
});

describe('credd audit --json reads back only what credd could have written', () => {
  it('extra fields are dropped, controls escaped, huge values capped; bad lines are skipped and counted on stderr', async () => {
    const home = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-auditjson-'));
    const at = '2026-01-01T00:00:00.000Z';
    const good = { at, profile: 'p\u001b]52;c;eA==\u0007', endpoint: 'ecs', status: 200, pid: 9, uid: 1000, command: 'curl\nforged line \u009b2J \u202e', token: 'leaked?', isAdmin: true };
    const lines = [
      JSON.stringify(good),
      JSON.stringify({ at, profile: 'q', endpoint: 'imds', status: 403, command: 'x'.repeat(5_000) }),
      '{"at":"2026-01-01T00:00:01.000Z","profile":"r","endpoint":"ecs","status":200,"command":"c","__proto__":{"polluted":true}}',
      JSON.stringify({ ...good, status: '200' }), // wrong type
      JSON.stringify({ ...good, endpoint: 'ssh' }), // unknown endpoint
      JSON.stringify({ ...good, at: 'yesterday' }),
      JSON.stringify({ ...good, pid: -1 }),
      JSON.stringify({ ...good, command: 'y'.repeat(100_000) }), // a line far longer than credd writes
      'torn {"at":',
      '[1,2]',
      'null',
    ];
    await fs.writeFile(path.join(home, 'audit.log'), `${lines.join('\n')}\n`, { mode: 0o600 });
    await fs.chmod(home, 0o700);
    const r = await run(process.execPath, [CREDD_BIN, 'audit', '--json'], { env: cleanEnv({ CREDD_HOME: home }) });
    await fs.rm(home, { recursive: true, force: true });
    assert.equal(r.code, 0, r.stderr);
    const entries = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(entries.map((e) => e['profile']), ['p\\u001b]52;c;eA==\\u0007', 'q', 'r']);
    for (const e of entries) {
      assert.deepEqual(Object.keys(e).filter((k) => !['at', 'profile', 'endpoint', 'status', 'uid', 'pid', 'command', 'scope'].includes(k)), [], 'no field credd does not write');
      for (const v of Object.values(e)) if (typeof v === 'string') assert.doesNotMatch(v, ANY_CONTROL, 'no control inside a decoded value');
      assert.ok(String(e['command']).length <= 1_001, 'a long command line is capped');
    }
    assert.equal(entries[0]?.['command'], 'curl\\u000aforged line \\u009b2J \\u202e');
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.match(r.stderr, /skipped 8 lines of .*audit\.log that credd did not write/);
  });
});

describe('audit command lines lose their secrets', () => {
  it('*secret*, --aws-secret-access-key=…, -pXXX, password=, URL passwords and secret keys are redacted', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-redact-'));
    const file = path.join(dir, 'audit.log');
    const secrets = ['S3cretValue1', 'Hunter2Hunter2', 'pw-in-url-99', 'db-pass-42', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'glued-pw-77', 'client-sec-55'];
    const command = [
      'tool --aws-secret-access-key=S3cretValue1',
      '--client_secret client-sec-55',
      'mysql -pglued-pw-77',
      'password=Hunter2Hunter2',
      'https://bob:pw-in-url-99@example.com/',
      'DB_PASS=x MY_SECRET_THING=db-pass-42',
      'aws_secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    ].join(' ');
    const audit = new AuditLog({ file, logger: createLogger({ level: 'silent' }), lookup: async () => ({ pid: 1, command }) });
    audit.served({ profile: 'p', endpoint: 'ecs', status: 200, socket: { remoteAddress: '127.0.0.1', remotePort: 5, localAddress: '127.0.0.1', localPort: 1 } as unknown as Socket });
    await audit.flush();
    const text = await fs.readFile(file, 'utf8');
    await fs.rm(dir, { recursive: true, force: true });
    for (const s of secrets) assert.ok(!text.includes(s), `${s} survived: ${text}`);
    assert.match(text, /mysql -p\[redacted\]/);
  });
});
