import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { CREDD_BIN } from './cli-harness.js';

export interface DaemonProcess {
  child: ChildProcess;
  port: number;
  /** Everything the daemon logged so far (to grep for secrets). */
  logs(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Spawns the built daemon (`credd daemon --port 0`) and waits until it answers. */
export async function startDaemonProcess(env: Record<string, string>, extraArgs: string[] = []): Promise<DaemonProcess> {
  const home = env['CREDD_HOME'];
  if (!home) throw new Error('CREDD_HOME is required');
  const child = spawn(process.execPath, [CREDD_BIN, 'daemon', '--port', '0', ...extraArgs], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const info = path.join(home, 'daemon.json');
  // Generous: on a loaded machine node's own start-up can take many seconds; a daemon that
  // fails exits, which ends the wait at once.
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const parsed = JSON.parse(await fs.readFile(info, 'utf8')) as { port: number; pid: number };
      if (parsed.pid === child.pid) {
        return {
          child,
          port: parsed.port,
          logs: () => output,
          stop: async (signal = 'SIGTERM') => {
            if (child.exitCode === null) child.kill(signal);
            return exited;
          },
        };
      }
    } catch {
      // not written yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`daemon did not start (exit ${child.exitCode}):\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
