/**
 * What goes into a unit or plist: control characters are refused (a newline must never become
 * a systemd directive, a plist must stay valid), the corporate-network variables are carried,
 * the node path survives `brew upgrade`, and doctor checks what the installed unit runs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runServiceInstall } from '../../src/cli/commands/service.js';
import { serviceCheck } from '../../src/cli/doctor/daemon-checks.js';
import { serviceNode } from '../../src/cli/service/service-node.js';
import { servicePlan } from '../../src/cli/service/service-plan.js';
import { CREDD_BIN, cleanEnv, run } from '../support/cli-harness.js';
import { serviceSandbox, type ServiceSandbox } from '../support/fake-launchd.js';

const NO_ANALYZE = spawnSync('systemd-analyze', ['--version']).status === 0 ? false : 'systemd-analyze is not installed (apt-get install systemd)';
const plistlib = 'import json,plistlib,sys; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))';

describe('service files: injection, corporate variables, node path, doctor', () => {
  let box: ServiceSandbox;
  let runtimeDir: string;
  const dryRun = (platform: string, extra: Record<string, string>, node = process.execPath) =>
    run(node, [CREDD_BIN, 'service', 'install', '--dry-run', '--platform', platform], { env: cleanEnv({ HOME: box.home, ...extra }) });
  const content = (stdout: string) => /^# would write .+ \(mode 0644\):\n([\s\S]*)\n# would run:/.exec(stdout)?.[1] ?? '';

  before(async () => {
    box = await serviceSandbox();
    runtimeDir = path.join(box.dir, 'run');
    await fs.mkdir(runtimeDir, { mode: 0o700 });
  });
  after(() => box.cleanup());

  it('a newline or other control character in a carried variable is refused, naming it, for both platforms', async () => {
    const attacks: Array<[string, string]> = [
      ['CREDD_ALLOWED_HOSTS', `h\nExecStartPre=/bin/touch ${box.dir}/pwned`],
      ['HTTPS_PROXY', 'http://proxy:8080\r'],
      ['NO_PROXY', 'a\u0001b'],
      ['AWS_REGION', 'eu\u009b31m'],
      ['CREDD_HOME', `${box.dir}/x\u007f`],
    ];
    for (const platform of ['systemd', 'launchd']) {
      for (const [name, value] of attacks) {
        const r = await dryRun(platform, { [name]: value });
        assert.equal(r.code, 1, `${platform} ${name}: ${r.stdout}`);
        assert.equal(r.stdout, '', 'nothing printed as a unit');
        assert.match(r.stderr, new RegExp(`^credd: ${name} contains a control character \\(U\\+[0-9A-F]{4}\\), which a service file cannot carry safely; remove it and re-run credd service install\\.\\n$`));
      }
    }
    await assert.rejects(fs.access(path.join(box.dir, 'pwned')));
    assert.throws(() => servicePlan({ platform: 'systemd', home: box.home, uid: 1, node: '/usr/bin/node\nExecStartPre=/x', credd: CREDD_BIN, env: {} }), /the node path contains a control character/);
  });

  const corporate = {
    NODE_EXTRA_CA_CERTS: 'corp-ca.pem',
    HTTPS_PROXY: 'http://alice:p%40ss$word@proxy.corp.example:3128',
    https_proxy: 'http://proxy.corp.example:3128',
    HTTP_PROXY: 'http://proxy.corp.example:3128',
    NO_PROXY: 'localhost,.corp.example,10.0.0.0/8',
    no_proxy: '.internal',
  };

  it('launchd: proxy and CA variables are carried, the plist stays valid, and core dumps are off', async () => {
    const r = await dryRun('launchd', corporate);
    assert.equal(r.code, 0, r.stderr);
    const py = await run('python3', ['-c', plistlib], { env: { ...process.env } as Record<string, string>, input: content(r.stdout) });
    assert.equal(py.code, 0, py.stderr);
    const plist = JSON.parse(py.stdout) as { EnvironmentVariables: Record<string, string>; HardResourceLimits: object; SoftResourceLimits: object };
    for (const [k, v] of Object.entries(corporate)) assert.equal(plist.EnvironmentVariables[k], k === 'NODE_EXTRA_CA_CERTS' ? path.resolve(path.dirname(CREDD_BIN), '..', '..', v) : v, k);
    assert.deepEqual(plist.HardResourceLimits, { Core: 0 });
    assert.deepEqual(plist.SoftResourceLimits, { Core: 0 });
  });

  it('systemd: proxy and CA variables are carried, LimitCORE=0, and systemd-analyze accepts the unit', { skip: NO_ANALYZE }, async () => {
    const r = await dryRun('systemd', corporate);
    assert.equal(r.code, 0, r.stderr);
    const unit = content(r.stdout);
    assert.ok(unit.includes('Environment="HTTPS_PROXY=http://alice:p%%40ss$word@proxy.corp.example:3128"'), unit);
    assert.ok(unit.includes('Environment="no_proxy=.internal"'), unit);
    assert.match(unit, /^LimitCORE=0$/m);
    const file = path.join(box.dir, 'credd.service');
    await fs.writeFile(file, unit);
    const v = await run('systemd-analyze', ['--user', 'verify', file], { env: cleanEnv({ HOME: box.home, XDG_RUNTIME_DIR: runtimeDir }) });
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stderr.trim(), '');
  });

  it('Homebrew: run by <prefix>/Cellar/node/<v>/bin/node with <prefix>/opt/node, the plist names <prefix>/opt/node/bin/node', async () => {
    const prefix = path.join(box.dir, 'homebrew');
    const keg = path.join(prefix, 'Cellar', 'node', '22.1.0');
    const cellarNode = path.join(keg, 'bin', 'node');
    await fs.mkdir(path.dirname(cellarNode), { recursive: true });
    await fs.link(process.execPath, cellarNode).catch(() => fs.copyFile(process.execPath, cellarNode));
    await fs.mkdir(path.join(prefix, 'opt'));
    await fs.symlink('../Cellar/node/22.1.0', path.join(prefix, 'opt', 'node'));
    const r = await dryRun('launchd', {}, cellarNode);
    assert.equal(r.code, 0, r.stderr);
    const args = /<key>ProgramArguments<\/key>\s*<array>\s*<string>([^<]*)<\/string>/.exec(content(r.stdout))?.[1];
    assert.equal(args, path.join(prefix, 'opt', 'node', 'bin', 'node'));
    assert.ok(!r.stdout.includes('/Cellar/'), 'no versioned keg path in the plist');
    assert.equal(r.stderr, '');
    // When opt points at another version, the running node is kept and the user is told.
    await fs.rm(path.join(prefix, 'opt', 'node'));
    await fs.symlink('../Cellar/node/23.0.0', path.join(prefix, 'opt', 'node'));
    const other = await dryRun('launchd', {}, cellarNode);
    assert.equal(other.code, 0, other.stderr);
    assert.ok(content(other.stdout).includes(`<string>${cellarNode}</string>`));
    assert.match(other.stderr, /after brew upgrade node, re-run: credd service install/);
  });

  it('nvm, fnm and volta nodes are kept, with the explicit note to re-install after switching', () => {
    for (const [p, manager] of [
      ['/Users/a/.nvm/versions/node/v22.1.0/bin/node', 'nvm'],
      ['/Users/a/Library/Application Support/fnm/node-versions/v22.1.0/installation/bin/node', 'fnm'],
      ['/Users/a/.volta/tools/image/node/22.1.0/bin/node', 'volta'],
    ] as const) {
      const n = serviceNode(p, (x) => x);
      assert.equal(n.path, p);
      assert.match(n.note ?? '', new RegExp(`from ${manager} .*re-run: credd service install$`));
    }
    assert.deepEqual(serviceNode('/usr/bin/node', (x) => x), { path: '/usr/bin/node' });
  });

  it('doctor checks that the node and script in the installed unit exist and are the ones credd runs', async () => {
    const env = { ...box.ctx.env, XDG_CONFIG_HOME: path.join(box.dir, 'config') };
    const ctx = { ...box.ctx, env };
    const unit = (node: string, credd: string) => servicePlan({ platform: 'systemd', home: box.home, uid: 1, node, credd, env });
    const write = async (node: string, credd: string) => {
      const p = unit(node, credd);
      await fs.mkdir(path.dirname(p.file), { recursive: true });
      await fs.writeFile(p.file, p.content);
    };
    await write(process.execPath, CREDD_BIN);
    assert.equal((await serviceCheck(ctx, CREDD_BIN)).status, 'ok');
    await write(path.join(box.dir, 'Cellar', 'node', '20.0.0', 'bin', 'node'), CREDD_BIN);
    const gone = await serviceCheck(ctx, CREDD_BIN);
    assert.equal(gone.status, 'fail');
    assert.match(gone.what, /Cellar\/node\/20\.0\.0\/bin\/node, which no longer exists/);
    assert.match(gone.fix ?? '', /^credd service install/);
    await write('/bin/sh', CREDD_BIN);
    assert.match((await serviceCheck(ctx, CREDD_BIN)).what, /^the service runs node \/bin\/sh, not the node this credd runs/);
    await write(process.execPath, path.join(box.dir, 'old', 'credd.js'));
    assert.match((await serviceCheck(ctx, CREDD_BIN)).what, /old\/credd\.js, which no longer exists/);
  });

  it('without a systemd user manager, install removes its unit, says to use credd daemon --detach, and doctor does not call it installed', async () => {
    const env: NodeJS.ProcessEnv = { ...box.ctx.env, XDG_CONFIG_HOME: path.join(box.dir, 'config2'), XDG_RUNTIME_DIR: runtimeDir };
    delete env['DBUS_SESSION_BUS_ADDRESS'];
    const ctx = { ...box.ctx, env };
    await assert.rejects(runServiceInstall({ dryRun: false }, ctx, { plan: { platform: 'systemd' } }), (err: Error) => {
      assert.match(err.message, /^systemctl --user daemon-reload failed: .+\. Removed .+credd\.service again: .*run credd in the background instead with: credd daemon --detach$/);
      return true;
    });
    await assert.rejects(fs.access(path.join(box.dir, 'config2', 'systemd', 'user', 'credd.service')));
    const check = await serviceCheck(ctx, CREDD_BIN);
    assert.equal(check.what, 'credd does not start at login');
  });
});
