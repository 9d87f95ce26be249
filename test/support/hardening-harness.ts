// The rig of test/hardening: one STS emulator + sandbox + a real daemon over TCP, with alice's
// key in the keychain and roles to switch to.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { sandbox, type Sandbox } from './cli-harness.js';
import { request } from './http-request.js';
import { startDaemonProcess, type DaemonProcess } from './daemon-process.js';
import { startStsEmulator, type EmulatedRole, type EmulatedUser, type StsEmulator } from './sts-emulator.js';

export interface Creds { AccessKeyId: string; SecretAccessKey: string; Token: string; Expiration: string }

export interface Harness {
  sts: StsEmulator;
  alice: EmulatedUser;
  roles: Record<'ro' | 'admin', EmulatedRole>;
  box: Sandbox;
  daemon: DaemonProcess;
  token: string;
  port: number;
  controlSocket: string;
  /** Issued by a valid GET /v1/credentials after `credd switch readonly`. */
  creds: Creds;
  /** Stops the daemon and starts a new one (new port) on the same state dir, with `env`. */
  restart(env?: Record<string, string>): Promise<DaemonProcess>;
  close(): Promise<void>;
}

/** alice's key in the keychain; `readonly`/`admin` roles from it; `pinNN` profiles for cold bursts. */
export async function startHarness(opts: { switchTo?: string | false; extraEnv?: Record<string, string>; extraConfig?: string } = {}): Promise<Harness> {
  // A setup that fails half-way (keychain locked, STS refusing) stops what it had started, so
  // the test file reports the failure and exits instead of hanging on an open server.
  const undo: Array<() => Promise<unknown>> = [];
  try {
    const sts = await startStsEmulator();
    undo.push(() => sts.close());
    const alice = sts.createUser({ userName: 'alice' });
    const ro = sts.createRole({ roleName: 'ReadOnly', trustedPrincipals: [alice.arn] });
    const admin = sts.createRole({ roleName: 'Admin', trustedPrincipals: [alice.arn] });
    const pins = Array.from({ length: 6 }, (_, i) => `[profile pin${i}]\nsource_profile = base\nrole_arn = ${ro.arn}\n`);
    const box = await sandbox({
      stsUrl: sts.url,
      config: [
        '[profile base]\nregion = us-east-1\n',
        `[profile readonly]\nsource_profile = base\nrole_arn = ${ro.arn}\n`,
        `[profile admin]\nsource_profile = base\nrole_arn = ${admin.arn}\n`,
        ...pins,
        opts.extraConfig ?? '',
      ].join('\n'),
      ...(opts.extraEnv && { extraEnv: opts.extraEnv }),
    });
    undo.unshift(() => box.cleanup());
    const added = await box.credd(['add', 'base', '--env'], { env: { AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey } });
    assert.equal(added.code, 0, added.stderr);
    const daemon = await startDaemonProcess(box.env);
    undo.unshift(() => stopDaemon(daemon));
    const token = (await fs.readFile(path.join(box.home, 'token'), 'utf8')).trim();
    let creds = { AccessKeyId: '', SecretAccessKey: '', Token: '', Expiration: '' };
    if (opts.switchTo !== false) {
      const sw = await box.credd(['switch', opts.switchTo ?? 'readonly']);
      assert.equal(sw.code, 0, sw.stderr);
      const res = await request({ port: daemon.port, path: '/v1/credentials', headers: { authorization: token } });
      assert.equal(res.status, 200, res.body);
      creds = JSON.parse(res.body) as Creds;
    }
    const harness: Harness = {
      sts, alice, roles: { ro, admin }, box, daemon, token, creds,
      port: daemon.port,
      controlSocket: path.join(box.home, 'control.sock'),
      restart: async (env = box.env) => {
        await stopDaemon(harness.daemon);
        harness.daemon = await startDaemonProcess(env);
        harness.port = harness.daemon.port;
        return harness.daemon;
      },
      close: async () => {
        await stopDaemon(harness.daemon);
        await box.cleanup();
        await sts.close();
      },
    };
    return harness;
  } catch (err) {
    for (const step of undo) await step().catch(() => undefined);
    throw err;
  }
}

/** SIGTERM, and SIGKILL if the daemon has not exited 3 s later (a wedged daemon must not hang the suite). */
export async function stopDaemon(daemon: DaemonProcess): Promise<'exited' | 'killed'> {
  const outcome = await Promise.race([daemon.stop('SIGTERM').then(() => 'exited' as const), new Promise<'stuck'>((r) => setTimeout(() => r('stuck'), 3_000).unref())]);
  if (outcome === 'exited') return outcome;
  await daemon.stop('SIGKILL');
  return 'killed';
}

/** The daemon's own view (control socket). */
export async function daemonStatus(h: Harness): Promise<{ activeProfile: string | null; profiles: Array<{ name: string; refreshing: boolean; freshness?: string; lastError?: { code: string } }>; stats: Record<string, number> }> {
  const r = await request({ socketPath: h.controlSocket, path: '/v1/status' });
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body) as Awaited<ReturnType<typeof daemonStatus>>;
}
