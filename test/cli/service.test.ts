/**
 * `credd service install|uninstall --dry-run` from the built CLI: the LaunchAgent plist checked
 * with Python's plistlib, the systemd user unit with `systemd-analyze --user verify` (offline:
 * it needs only an XDG_RUNTIME_DIR, no running systemd).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { servicePlan } from '../../src/cli/service/service-plan.js';
import { CREDD_BIN, CREDD_MODULE_BIN, ROOT, cleanEnv, run } from '../support/cli-harness.js';

const HAS_ANALYZE = spawnSync('systemd-analyze', ['--version']).status === 0;
const NO_ANALYZE = HAS_ANALYZE ? false : 'systemd-analyze is not installed (apt-get install systemd)';

interface Plist {
  Label: string;
  ProgramArguments: string[];
  RunAtLoad: boolean;
  KeepAlive: Record<string, unknown>;
  ThrottleInterval: number;
  StandardOutPath: string;
  StandardErrorPath: string;
  EnvironmentVariables: Record<string, string>;
  SoftResourceLimits: Record<string, number>;
  HardResourceLimits: Record<string, number>;
}

/** Splits `# would write FILE (mode 0644):\n<content>\n# would run:\n<commands>` */
function parseDryRun(stdout: string): { file: string; content: string; commands: string[] } {
  const m = /^# would write (.+) \(mode 0644\):\n([\s\S]*)\n# would run:\n([\s\S]*)$/.exec(stdout);
  assert.ok(m, `unexpected dry-run output:\n${stdout}`);
  return { file: m[1] ?? '', content: m[2] ?? '', commands: (m[3] ?? '').trim().split('\n') };
}

describe('credd service --dry-run', () => {
  let dir: string;
  let home: string;
  let runtimeDir: string;
  const credd = (args: string[], extra: Record<string, string> = {}, bin = CREDD_BIN) =>
    run(process.execPath, [bin, 'service', ...args], { env: cleanEnv({ HOME: home, ...extra }) });
  const plistOf = async (extra: Record<string, string> = {}) => {
    const r = await credd(['install', '--dry-run', '--platform', 'launchd'], extra);
    assert.equal(r.code, 0, r.stderr);
    const out = parseDryRun(r.stdout);
    const py = await run('python3', ['-c', 'import json,plistlib,sys; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))'], {
      env: { ...process.env } as Record<string, string>,
      input: out.content,
    });
    assert.equal(py.code, 0, `plistlib refused the plist: ${py.stderr}`);
    return { ...out, plist: JSON.parse(py.stdout) as Plist };
  };
  /** `systemd-analyze --user verify`: exit code and every warning it printed. */
  const verify = async (content: string, name = 'credd.service') => {
    const unitDir = await fs.mkdtemp(path.join(dir, 'unit-'));
    await fs.writeFile(path.join(unitDir, name), content);
    return run('systemd-analyze', ['--user', 'verify', path.join(unitDir, name)], { env: cleanEnv({ HOME: home, XDG_RUNTIME_DIR: runtimeDir }) });
  };

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-service-'));
    home = path.join(dir, 'home');
    runtimeDir = path.join(dir, 'run');
    await fs.mkdir(home);
    await fs.mkdir(runtimeDir, { mode: 0o700 });
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it('launchd: a valid property list with absolute paths, crash-only KeepAlive and logs under ~/Library/Logs', async () => {
    const { file, plist, commands } = await plistOf();
    assert.equal(file, path.join(home, 'Library', 'LaunchAgents', 'dev.credd.daemon.plist'));
    assert.equal(plist.Label, 'dev.credd.daemon');
    const logDir = path.join(home, 'Library', 'Logs', 'credd');
    assert.deepEqual(plist.ProgramArguments, [process.execPath, CREDD_MODULE_BIN, 'daemon', '--log-file', path.join(logDir, 'credd.log')]);
    for (const p of [plist.ProgramArguments[0] ?? '', plist.ProgramArguments[1] ?? '']) assert.ok(path.isAbsolute(p), p);
    assert.equal(plist.RunAtLoad, true);
    assert.deepEqual(plist.KeepAlive, { SuccessfulExit: false });
    assert.ok(Number.isInteger(plist.ThrottleInterval) && plist.ThrottleInterval > 0);
    for (const p of [plist.StandardOutPath, plist.StandardErrorPath]) assert.ok(p.startsWith(`${path.join(home, 'Library', 'Logs')}/`), p);
    const uid = process.getuid?.() ?? 0;
    assert.deepEqual(
      commands.map((c) => c.replace(/\s+#.*$/, '')),
      [`launchctl bootout gui/${uid}/dev.credd.daemon`, `launchctl print gui/${uid}/dev.credd.daemon`, `launchctl enable gui/${uid}/dev.credd.daemon`, `launchctl bootstrap gui/${uid} ${file}`],
    );
    assert.ok(!commands.some((c) => c.includes('kickstart')), 'RunAtLoad starts it; kickstart -k would kill that daemon');
    assert.deepEqual(plist.SoftResourceLimits, { Core: 0 });
    assert.deepEqual(plist.HardResourceLimits, { Core: 0 });
  });

  it('launchd: CREDD_HOME only when set; never the file-store passphrase', async () => {
    const unset = await plistOf({ CREDD_FILE_PASSPHRASE: 'hunter2-passphrase' });
    assert.equal('CREDD_HOME' in unset.plist.EnvironmentVariables, false);
    const set = await plistOf({ CREDD_HOME: path.join(dir, 'state'), CREDD_FILE_PASSPHRASE: 'hunter2-passphrase', CREDD_STORE: 'file' });
    assert.equal(set.plist.EnvironmentVariables['CREDD_HOME'], path.join(dir, 'state'));
    assert.equal(set.plist.EnvironmentVariables['CREDD_STORE'], 'file');
    for (const r of [unset, set]) {
      assert.equal('CREDD_FILE_PASSPHRASE' in r.plist.EnvironmentVariables, false);
      assert.ok(!r.content.includes('hunter2-passphrase'));
    }
  });

  it('launchd: XML special characters are escaped and parse back to the original value', async () => {
    const odd = path.join(dir, 'a&b <c> "d"');
    const { content, plist } = await plistOf({ CREDD_HOME: odd });
    assert.equal(plist.EnvironmentVariables['CREDD_HOME'], odd);
    assert.ok(content.includes('a&amp;b &lt;c&gt;'));
  });

  it('launchd uninstall lists bootout and the file', async () => {
    const r = await credd(['uninstall', '--dry-run', '--platform', 'launchd']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^# would remove ${path.join(home, 'Library', 'LaunchAgents', 'dev.credd.daemon.plist')}$`, 'm'));
    assert.match(r.stdout, new RegExp(`^launchctl bootout gui/${process.getuid?.() ?? 0}/dev\\.credd\\.daemon$`, 'm'));
  });

  it('systemd: the unit restarts on failure, starts at login, carries CREDD_HOME, and systemd-analyze accepts it', { skip: NO_ANALYZE }, async () => {
    const stateDir = path.join(dir, 'state with space');
    const r = await credd(['install', '--dry-run', '--platform', 'systemd'], { CREDD_HOME: stateDir, CREDD_FILE_PASSPHRASE: 'hunter2-passphrase' });
    assert.equal(r.code, 0, r.stderr);
    const { file, content, commands } = parseDryRun(r.stdout);
    assert.equal(file, path.join(home, '.config', 'systemd', 'user', 'credd.service'));
    assert.match(content, /^Restart=on-failure$/m);
    assert.match(content, /^WantedBy=default\.target$/m);
    assert.ok(content.includes(`ExecStart="${process.execPath}" "${CREDD_MODULE_BIN}" "daemon"`), content);
    assert.ok(content.includes(`Environment="CREDD_HOME=${stateDir}"`), content);
    assert.ok(!content.includes('hunter2-passphrase') && !content.includes('CREDD_FILE_PASSPHRASE'));
    assert.deepEqual(commands, ['systemctl --user daemon-reload', 'systemctl --user enable credd.service', 'systemctl --user restart credd.service']);
    assert.match(content, /^LimitCORE=0$/m);
    const v = await verify(content);
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stderr.trim(), '', 'no warnings');
    const unset = parseDryRun((await credd(['install', '--dry-run', '--platform', 'systemd'])).stdout);
    assert.doesNotMatch(unset.content, /CREDD_HOME/);
  });

  it('systemd-analyze really checks: it rejects a broken unit (control)', { skip: NO_ANALYZE }, async () => {
    const v = await verify('[Service]\nExecStart=/nonexistent/node daemon\n');
    assert.notEqual(v.code, 0);
    assert.match(v.stderr, /not executable/);
  });

  it('systemd: ExecStart quotes a credd path containing spaces (the built CLI run from such a folder)', { skip: NO_ANALYZE }, async () => {
    const app = path.join(dir, 'my apps', 'cr edd');
    await fs.mkdir(app, { recursive: true });
    await fs.cp(path.join(ROOT, 'dist'), path.join(app, 'dist'), { recursive: true });
    await fs.cp(path.join(ROOT, 'launchd'), path.join(app, 'launchd'), { recursive: true });
    await fs.copyFile(path.join(ROOT, 'package.json'), path.join(app, 'package.json'));
    await fs.symlink(path.join(ROOT, 'node_modules'), path.join(app, 'node_modules'));
    const bin = path.join(app, 'dist', 'bin', 'credd.js');
    const r = await credd(['install', '--dry-run', '--platform', 'systemd'], {}, bin);
    assert.equal(r.code, 0, r.stderr);
    const { content } = parseDryRun(r.stdout);
    const exec = /^ExecStart=(.*)$/m.exec(content)?.[1] ?? '';
    assert.deepEqual([...exec.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]), [process.execPath, bin, 'daemon']);
    const v = await verify(content);
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stderr.trim(), '');
  });

  it('systemd: a node path with spaces and % is accepted by systemd-analyze', { skip: NO_ANALYZE }, async () => {
    const node = path.join(dir, 'odd %n dir', 'no de');
    await fs.mkdir(path.dirname(node), { recursive: true });
    await fs.writeFile(node, '#!/bin/sh\n', { mode: 0o755 });
    const p = servicePlan({ platform: 'systemd', home, uid: 1000, node, credd: CREDD_BIN, env: {} });
    assert.ok(p.content.includes(`ExecStart="${node.replace(/%/g, '%%')}"`), p.content);
    const v = await verify(p.content);
    assert.equal(v.code, 0, v.stderr);
  });

  it(
    'systemd: Environment= values keep a literal $ (systemd does not expand $ there)',
    () => {
      const p = servicePlan({ platform: 'systemd', home, uid: 1000, node: process.execPath, credd: CREDD_BIN, env: { CREDD_HOME: '/srv/a$b' } });
      assert.ok(p.content.includes('Environment="CREDD_HOME=/srv/a$b"'), /^Environment=.*CREDD_HOME.*$/m.exec(p.content)?.[0]);
    },
  );

  it(
    'systemd: the service finds the same state dir as the CLI when XDG_STATE_HOME is set',
    () => {
      const p = servicePlan({ platform: 'systemd', home, uid: 1000, node: process.execPath, credd: CREDD_BIN, env: { XDG_STATE_HOME: '/tmp/xdg-state' } });
      assert.match(p.content, /XDG_STATE_HOME=\/tmp\/xdg-state|CREDD_HOME=\/tmp\/xdg-state\/credd/);
    },
  );

  it('--gui-env adds launchctl setenv / systemctl --user set-environment, with the token by file', async () => {
    for (const [platform, expected] of [
      ['launchd', ['launchctl setenv AWS_CONTAINER_CREDENTIALS_FULL_URI http://127.0.0.1:9911/v1/credentials', 'launchctl setenv AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE ']],
      ['systemd', ['systemctl --user set-environment AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:9911/v1/credentials AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=']],
    ] as const) {
      const r = await credd(['install', '--dry-run', '--gui-env', '--platform', platform]);
      assert.equal(r.code, 0, r.stderr);
      const { commands } = parseDryRun(r.stdout);
      for (const e of expected) assert.ok(commands.some((c) => c.startsWith(e)), `${e}\n${commands.join('\n')}`);
      assert.ok(commands.some((c) => /AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE[= ]\/\S*\/token$/.test(c)), commands.join('\n'));
    }
  });

  it('systemd uninstall lists disable --now', async () => {
    const r = await credd(['uninstall', '--dry-run', '--platform', 'systemd']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^# would remove .*\/\.config\/systemd\/user\/credd\.service$/m);
    assert.match(r.stdout, /^systemctl --user disable --now credd\.service$/m);
  });

  it('--platform without --dry-run is refused, and an unknown platform too', async () => {
    for (const sub of ['install', 'uninstall']) {
      const r = await credd([sub, '--platform', 'launchd']);
      assert.equal(r.code, 2, 'a usage error');
      assert.match(r.stderr, /--platform only goes with --dry-run/);
    }
    const bad = await credd(['install', '--dry-run', '--platform', 'upstart']);
    assert.equal(bad.code, 2, 'a usage error');
    assert.match(bad.stderr, /--platform takes launchd or systemd/);
    assert.equal(await fs.access(path.join(home, 'Library')).then(() => true, () => false), false, 'nothing written');
  });
});
