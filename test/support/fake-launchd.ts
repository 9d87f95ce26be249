import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { CliContext } from '../../src/cli/cli-context.js';
import { daemonClient } from '../../src/cli/daemon-client.js';
import { creddPaths } from '../../src/platform/paths.js';
import { ROOT, cleanEnv } from './cli-harness.js';
import { freePort } from './free-port.js';

/** The folder holding the fake `launchctl` (see its header for what it reproduces). */
export const FAKE_LAUNCHD_BIN = path.join(ROOT, 'test', 'support', 'fake-launchd');

export interface ServiceSandbox {
  dir: string;
  home: string;
  state: string;
  ctx: CliContext;
  out(): string;
  err(): string;
  /** Every launchctl call so far, one per line. */
  calls(): Promise<string[]>;
  /** The pid the fake launchd started for the loaded job (0 or undefined when none). */
  launchdPid(): Promise<number | undefined>;
  cleanup(): Promise<void>;
}

function collector(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({ write: (c: Buffer, _e, cb) => ((text += c.toString()), cb()) });
  return { stream, text: () => text };
}

/** A throwaway HOME, CREDD_HOME and fake launchd state, and a CliContext that uses them. */
export async function serviceSandbox(extra: Record<string, string> = {}): Promise<ServiceSandbox> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-svc-'));
  const home = path.join(dir, 'home');
  const state = path.join(dir, 'launchd');
  await fs.mkdir(home);
  await fs.mkdir(state);
  const configFile = path.join(dir, 'aws-config');
  await fs.writeFile(configFile, '[profile base]\nregion = eu-west-1\n');
  const creddHome = path.join(dir, 'credd');
  const env = cleanEnv({
    HOME: home,
    PATH: `${FAKE_LAUNCHD_BIN}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
    FAKE_LAUNCHD_DIR: state,
    CREDD_HOME: creddHome,
    CREDD_STORE: 'file',
    CREDD_PORT: String(await freePort()),
    AWS_CONFIG_FILE: configFile,
    ...extra,
  });
  const out = collector();
  const err = collector();
  const paths = creddPaths(creddHome);
  const ctx: CliContext = {
    env,
    paths,
    configFile,
    out: out.stream,
    err: err.stream,
    prompt: { interactive: false, ask: () => Promise.reject(new Error('no prompt in this test')) },
    daemon: daemonClient(paths.controlSocket, 5_000),
    clock: { now: () => Date.now() },
    store: () => Promise.reject(new Error('no store in this test')),
  };
  const launchdPid = async () => {
    const job = await fs.readFile(path.join(state, 'loaded'), 'utf8').catch(() => undefined);
    return job === undefined ? undefined : (JSON.parse(job) as { pid: number }).pid;
  };
  return {
    dir,
    home,
    state,
    ctx,
    out: out.text,
    err: err.text,
    calls: async () => (await fs.readFile(path.join(state, 'calls'), 'utf8').catch(() => '')).split('\n').filter(Boolean),
    launchdPid,
    cleanup: async () => {
      await ctx.daemon.post('/v1/stop').catch(() => undefined);
      const pid = await launchdPid();
      if (pid) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
