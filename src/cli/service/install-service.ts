import fs from 'node:fs/promises';
import path from 'node:path';
import { CreddError } from '../../domain/errors.js';
import type { InstallStep, ServicePlan } from './service-plan.js';

/** The side effects an install needs, so tests can drive a fake launchctl/systemctl. */
export interface ServiceHost {
  run(argv: string[]): Promise<{ code: number; out: string }>;
  sleep(ms: number): Promise<void>;
  /** The pid of the credd daemon answering on the control socket, if any. */
  daemonPid(): Promise<number | undefined>;
  /** Asks the answering daemon to exit. */
  stopDaemon(): Promise<void>;
}

const POLL_MS = 100;
/** launchd may take seconds to finish a bootout; a cold node start on a busy Mac as well. */
const WAIT_MS = 30_000;
const BUSY_RETRIES = 20;
/*
 * After `bootout` returns, launchd still tears the job down; a `bootstrap` in that window fails
 * with "Bootstrap failed: 5: Input/output error" (also the answer for a job still loaded), and
 * 37 (EALREADY, "Operation already in progress") while a previous request is in flight.
 * Seen in Homebrew's `brew services` and many installers: e.g. DeterminateSystems/nix-installer
 * #1157 and #1187; the cure there as here is to wait for `launchctl print` to fail, then retry.
 */
const BUSY = /(?:^|\D)(?:5|37): /;

export function managerPid(plan: ServicePlan, out: string): number | undefined {
  const m = plan.platform === 'launchd' ? /^\s*pid = (\d+)$/m.exec(out) : /^MainPID=(\d+)$/m.exec(out);
  const pid = Number(m?.[1] ?? 0);
  return pid > 0 ? pid : undefined;
}

async function pidOf(plan: ServicePlan, host: ServiceHost): Promise<number | undefined> {
  const r = await host.run(plan.status);
  return r.code === 0 ? managerPid(plan, r.out) : undefined;
}

class StepFailed extends Error {}

async function runStep(step: InstallStep, host: ServiceHost): Promise<void> {
  const cmd = step.argv.join(' ');
  if (step.mode === 'until-gone') {
    for (let waited = 0; waited < WAIT_MS; waited += POLL_MS) {
      if ((await host.run(step.argv)).code !== 0) return;
      await host.sleep(POLL_MS);
    }
    throw new StepFailed(`launchd did not finish unloading the previous credd within ${WAIT_MS / 1000} s (${cmd} still succeeds)`);
  }
  for (let attempt = 1; ; attempt++) {
    const r = await host.run(step.argv);
    if (r.code === 0 || step.mode === 'best-effort') return;
    const busy = step.mode === 'retry-busy' && (r.code === 5 || r.code === 37 || BUSY.test(r.out));
    if (!busy || attempt >= BUSY_RETRIES) throw new StepFailed(`${cmd} failed: ${r.out || `exit ${r.code}`}`);
    await host.sleep(POLL_MS * Math.min(attempt, 5));
  }
}

/** A daemon started by hand holds the port and socket; the service's daemon would only crash-loop. */
async function stopHandStarted(plan: ServicePlan, host: ServiceHost): Promise<number | undefined> {
  const pid = await host.daemonPid();
  if (pid === undefined || pid === (await pidOf(plan, host))) return undefined;
  await host.stopDaemon();
  for (let waited = 0; waited < WAIT_MS && (await host.daemonPid()) !== undefined; waited += POLL_MS) await host.sleep(POLL_MS);
  return pid;
}

async function removeUnit(plan: ServicePlan, host: ServiceHost): Promise<void> {
  for (const argv of plan.uninstall) await host.run(argv);
  await fs.rm(plan.file, { force: true });
  if (plan.platform === 'systemd') await host.run(['systemctl', '--user', 'daemon-reload']);
}

export interface InstallResult {
  pid: number;
  /** A daemon started by hand that the install stopped in favour of the service's. */
  replaced?: number;
}

/**
 * Writes the unit, (re)loads it, and returns once the daemon that answers is the one the
 * service manager started. Safe to re-run. A failure before the daemon starts removes the
 * unit again, so nothing claims a service that cannot run.
 */
export async function installService(plan: ServicePlan, host: ServiceHost): Promise<InstallResult> {
  await fs.mkdir(path.dirname(plan.file), { recursive: true });
  if (plan.logFile) await fs.mkdir(path.dirname(plan.logFile), { recursive: true, mode: 0o700 });
  await fs.writeFile(plan.file, plan.content, { mode: 0o644 });
  let replaced: number | undefined;
  try {
    for (const [i, step] of plan.install.entries()) {
      if (i === plan.install.length - 1) replaced = await stopHandStarted(plan, host);
      await runStep(step, host);
    }
  } catch (err) {
    if (!(err instanceof StepFailed)) throw err;
    await removeUnit(plan, host);
    const manager = plan.platform === 'launchd' ? 'launchd (a GUI login session)' : 'a systemd user manager';
    throw new CreddError(
      'ServiceFailed',
      `${err.message}. Removed ${plan.file} again: this machine needs ${manager} for the service; run credd in the background instead with: credd daemon --detach`,
    );
  }
  let last: { manager?: number; daemon?: number } = {};
  for (let waited = 0; waited < WAIT_MS; waited += POLL_MS) {
    const manager = await pidOf(plan, host);
    const daemon = await host.daemonPid();
    if (manager !== undefined && manager === daemon) return { pid: manager, ...(replaced !== undefined && { replaced }) };
    last = { ...(manager !== undefined && { manager }), ...(daemon !== undefined && { daemon }) };
    await host.sleep(POLL_MS);
  }
  const who = plan.platform === 'launchd' ? 'launchd' : 'systemd';
  if (last.daemon !== undefined) {
    throw new CreddError('ServiceNotAnswering', `The service is installed (${plan.file}), but the credd that answers (pid ${last.daemon}) is not the one ${who} started (${last.manager ?? 'none running'}); stop it with credd stop, then re-run credd service install.`);
  }
  throw new CreddError('ServiceNotAnswering', `The service is installed (${plan.file}), but its daemon did not answer within ${WAIT_MS / 1000} s; see: credd logs`);
}
