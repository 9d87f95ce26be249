/**
 * `credd service install` on macOS, driven on Linux through a fake `launchctl` on PATH that
 * reproduces launchd's asynchronous bootout (bootstrap fails with 5 until it has finished),
 * error 37, a disabled job and a session without a GUI. The daemon the fake starts is the real
 * built credd, so "running" means a daemon answering on its control socket.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { runServiceInstall } from '../../src/cli/commands/service.js';
import { installService, type ServiceHost } from '../../src/cli/service/install-service.js';
import { servicePlan } from '../../src/cli/service/service-plan.js';
import type { DaemonStatus } from '../../src/protocol/control-api.js';
import { CREDD_BIN } from '../support/cli-harness.js';
import { startDaemonProcess } from '../support/daemon-process.js';
import { serviceSandbox, type ServiceSandbox } from '../support/fake-launchd.js';

const uid = process.getuid?.() ?? 501;

describe('credd service install with launchd (fake launchctl)', () => {
  let box: ServiceSandbox | undefined;
  afterEach(async () => box?.cleanup());

  const install = (b: ServiceSandbox) =>
    runServiceInstall({ dryRun: false }, b.ctx, { plan: { platform: 'launchd', home: b.home, uid, node: process.execPath, credd: CREDD_BIN } });
  const answering = async (b: ServiceSandbox) => (await b.ctx.daemon.get<DaemonStatus>('/v1/status')).pid;
  /** Running: a zombie (exited, not yet reaped by an init that reaps late, as on this CI's VM) is gone. */
  const alive = async (pid: number) => {
    try {
      process.kill(pid, 0);
    } catch {
      return false;
    }
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    return stat === '' ? process.platform !== 'linux' : stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  };

  it('re-running install always ends with the daemon launchd started answering, without kickstart -k', async () => {
    box = await serviceSandbox({ FAKE_LAUNCHCTL_BOOTOUT_SECONDS: '1' });
    const pids: number[] = [];
    for (let i = 0; i < 3; i++) {
      await install(box);
      const pid = await box.launchdPid();
      assert.ok(pid, 'launchd started a process');
      assert.equal(await answering(box), pid, 'the daemon answering is the one launchd started');
      // The plist's Core limits reach the process: no core file can hold its keys.
      assert.match(await fs.readFile(`/proc/${pid}/limits`, 'utf8'), /^Max core file size\s+0\s+0\s+bytes/m);
      pids.push(pid);
    }
    assert.equal(new Set(pids).size, 3, `each install runs a fresh daemon: ${pids.join(' ')}`);
    assert.ok(!(await alive(pids[0] ?? 0)) && !(await alive(pids[1] ?? 0)), 'the old daemons are gone');
    const calls = await box.calls();
    assert.ok(!calls.some((c) => c.startsWith('kickstart')), calls.join('\n'));
    // It waited for each bootout to finish instead of hammering bootstrap into error 5.
    assert.equal(calls.filter((c) => c.startsWith('bootstrap')).length, 3, calls.join('\n'));
    const second = calls.slice(calls.indexOf(`bootout gui/${uid}/dev.credd.daemon`, 1));
    assert.deepEqual(
      second.filter((c) => !c.startsWith('print')).slice(0, 3),
      [`bootout gui/${uid}/dev.credd.daemon`, `enable gui/${uid}/dev.credd.daemon`, `bootstrap gui/${uid} ${path.join(box.home, 'Library', 'LaunchAgents', 'dev.credd.daemon.plist')}`],
    );
    assert.match(box.out(), new RegExp(`LaunchAgent .*pid ${pids[2]}; it starts at login`));
  });

  it('a disabled job is enabled, and bootstrap is retried through error 37', async () => {
    box = await serviceSandbox();
    await fs.writeFile(path.join(box.state, 'disabled'), '');
    await fs.writeFile(path.join(box.state, 'busy'), '2');
    await install(box);
    assert.equal(await answering(box), await box.launchdPid());
    const calls = await box.calls();
    assert.equal(calls.filter((c) => c.startsWith('bootstrap')).length, 3, calls.join('\n'));
    assert.ok(calls.findIndex((c) => c.startsWith('enable')) < calls.findIndex((c) => c.startsWith('bootstrap')));
  });

  it('a daemon started by hand is stopped so that launchd runs credd', async () => {
    box = await serviceSandbox();
    const byHand = await startDaemonProcess(box.ctx.env as Record<string, string>);
    assert.equal(await answering(box), byHand.child.pid);
    await install(box);
    assert.equal(await byHand.stop(), 0, 'the hand-started daemon exited cleanly');
    assert.equal(await answering(box), await box.launchdPid());
    assert.match(box.err(), new RegExp(`stopped the daemon started by hand \\(pid ${byHand.child.pid}\\)`));
  });

  it('without a GUI session the install fails, removes its plist and says to use credd daemon --detach', async () => {
    box = await serviceSandbox();
    await fs.writeFile(path.join(box.state, 'no-gui'), '');
    await assert.rejects(install(box), (err: Error) => {
      assert.match(err.message, /Bootstrap failed: 125/);
      assert.match(err.message, /credd daemon --detach$/);
      return true;
    });
    const plist = path.join(box.home, 'Library', 'LaunchAgents', 'dev.credd.daemon.plist');
    assert.equal(await fs.access(plist).then(() => true, () => false), false, 'the plist is gone');
  });

  it('--gui-env points apps launched by launchd at credd, with the token by file, never in argv', async () => {
    box = await serviceSandbox();
    await runServiceInstall({ dryRun: false, guiEnv: true }, box.ctx, { plan: { platform: 'launchd', home: box.home, uid, node: process.execPath, credd: CREDD_BIN } });
    const calls = await box.calls();
    const port = box.ctx.env['CREDD_PORT'] ?? '';
    assert.ok(calls.includes(`setenv AWS_CONTAINER_CREDENTIALS_FULL_URI http://127.0.0.1:${port}/v1/credentials`), calls.join('\n'));
    assert.ok(calls.includes(`setenv AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE ${box.ctx.paths.token}`), calls.join('\n'));
    const token = (await fs.readFile(box.ctx.paths.token, 'utf8')).trim();
    assert.ok(token.length > 0 && !calls.join('\n').includes(token), 'the token itself is never an argument');
    assert.match(box.out(), /Apps started from now on in this login session/);
  });

  it('readiness is not fooled by a credd that launchd did not start', async () => {
    const b = await serviceSandbox();
    try {
      const plan = servicePlan({ platform: 'launchd', home: b.home, uid, node: process.execPath, credd: CREDD_BIN, env: {} });
      let loaded = false;
      const host: ServiceHost = {
        run: async (argv) => {
          if (argv[1] === 'bootstrap') loaded = true;
          if (argv[1] === 'print') return loaded ? { code: 0, out: 'gui/501/dev.credd.daemon = {\n\tpid = 4242\n}' } : { code: 113, out: 'Could not find service' };
          return { code: 0, out: '' };
        },
        sleep: async () => undefined,
        daemonPid: async () => (loaded ? 777 : undefined),
        stopDaemon: async () => undefined,
      };
      await assert.rejects(installService(plan, host), /the credd that answers \(pid 777\) is not the one launchd started \(4242\)/);
    } finally {
      await b.cleanup();
    }
  });
});
