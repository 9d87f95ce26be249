import type { ChildProcess } from 'node:child_process';

export interface LsofProcess {
  pid: number;
  command?: string;
  uid?: number;
}

/** Where and how a platform helper runs: injected by tests, which run the macOS path on Linux. */
export interface HelperOptions {
  platform?: NodeJS.Platform;
  /** The helper's environment (its PATH finds lsof). */
  env?: NodeJS.ProcessEnv;
  /** The helper is killed and its answer dropped after this long. */
  deadlineMs?: number;
}

const MAX_OUTPUT = 256 * 1024;
const MAX_COMMAND = 300;

/**
 * The processes `lsof ARGS -F0…` lists, or undefined when lsof is missing, hangs past the
 * deadline or is killed. Never rejects: the daemon asks from its audit and port checks, and a
 * helper gone wrong must cost it nothing but an "unknown".
 */
export async function lsofProcesses(args: readonly string[], opts: HelperOptions = {}): Promise<LsofProcess[] | undefined> {
  // Loaded on first use: only macOS runs lsof, and child_process (dgram comes with it) is a
  // noticeable share of a short command's start-up (`credd status` checks the port on Linux too).
  const { spawn } = await import('node:child_process');
  return new Promise((resolve) => {
    let out = '';
    let settled = false;
    const finish = (v: LsofProcess[] | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(v);
    };
    let child: ChildProcess;
    try {
      child = spawn('lsof', [...args], { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      return finish(undefined);
    }
    // Our own deadline, not execFile's: a killed lsof whose stdout a child of its own still holds
    // open would never 'close', and one that ignores SIGTERM would never exit.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      child.stdout?.destroy();
      finish(undefined);
    }, opts.deadlineMs ?? 2_000);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (d: string) => {
      out += d;
      if (out.length > MAX_OUTPUT) {
        child.kill('SIGKILL');
        child.stdout?.destroy();
        finish(parseLsofFields(out.slice(0, MAX_OUTPUT)));
      }
    });
    child.stdout?.on('error', () => undefined);
    child.on('error', () => finish(undefined));
    // lsof exits 1 when it finds nothing: whatever it printed is still its answer.
    child.on('close', () => finish(parseLsofFields(out)));
  });
}

/**
 * lsof's field output with NUL terminators (`-F0`, see lsof(8), "OUTPUT FOR OTHER
 * PROGRAMS"): each field is one identifier character followed by its value and ended by NUL;
 * each process set and file set is then ended by a NL. A process set starts with its `p`
 * (PID) field, the one field lsof always produces; `c` is the command name (every character
 * from the kernel), `u` the user ID. NUL terminators are used because a command name may
 * itself hold a NL: with NL terminators it could forge a `p` line. Fields credd did not ask
 * for, and anything before the first valid `p`, are ignored; a bad PID drops its whole set.
 */
export function parseLsofFields(output: string): LsofProcess[] {
  const found: LsofProcess[] = [];
  let current: LsofProcess | undefined;
  for (const raw of output.split('\0')) {
    const field = raw.startsWith('\n') ? raw.slice(1) : raw;
    const id = field[0];
    const value = field.slice(1);
    if (id === 'p') {
      const pid = /^\d{1,10}$/.test(value) ? Number(value) : NaN;
      current = Number.isSafeInteger(pid) && pid > 0 && pid < 2 ** 32 ? { pid } : undefined;
      if (current) found.push(current);
    } else if (current && id === 'c' && current.command === undefined) {
      current.command = value.slice(0, MAX_COMMAND);
    } else if (current && id === 'u' && current.uid === undefined && /^\d{1,10}$/.test(value) && Number(value) < 2 ** 32) {
      current.uid = Number(value);
    }
  }
  return found;
}
