// A second local user for the multi-user tests: `credd-attacker`, created once with useradd
// (idempotent), whose processes are started with setpriv (real uid/gid, no supplementary groups).
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { ROOT, run, type RunResult } from './cli-harness.js';

export const ATTACKER = 'credd-attacker';

export interface OtherUser {
  name: string;
  uid: number;
  gid: number;
  /** Runs `cmd args` as this user, with a minimal environment of its own. */
  run(cmd: string, args: string[], opts?: { env?: Record<string, string>; timeoutMs?: number }): Promise<RunResult>;
  /** Starts a long-running process as this user (the caller stops it). */
  spawn(cmd: string, args: string[]): ChildProcess;
  /** curl as this user: status (0 = no HTTP answer) and body. */
  curl(url: string, opts?: { method?: string; headers?: Record<string, string> }): Promise<{ status: number; body: string }>;
}

const baseEnv = (): Record<string, string> => ({ PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/tmp', LANG: 'C.UTF-8' });

/** The other user, or why these tests cannot run here (then they are skipped with that reason). */
export function otherUser(): OtherUser | string {
  if (process.getuid?.() !== 0) return 'multi-user tests need root (to create a user with useradd and run as it with setpriv)';
  for (const tool of ['useradd', 'setpriv', 'curl']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed here`;
  }
  const id = (flag: string): number => Number(execFileSync('id', [flag, ATTACKER], { encoding: 'utf8' }).trim());
  if (spawnSync('id', [ATTACKER]).status !== 0) {
    // Exit 9: created meanwhile by a parallel test file.
    const made = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', ATTACKER]);
    if (made.status !== 0 && made.status !== 9) return `useradd ${ATTACKER} failed: ${made.stderr.toString().trim()}`;
  }
  const uid = id('-u');
  const gid = id('-g');
  const priv = (cmd: string, args: string[]): string[] => [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', cmd, ...args];
  const user: OtherUser = {
    name: ATTACKER,
    uid,
    gid,
    run: (cmd, args, opts = {}) => run('setpriv', priv(cmd, args), { env: { ...baseEnv(), ...opts.env }, cwd: '/tmp', ...(opts.timeoutMs !== undefined && { timeoutMs: opts.timeoutMs }) }),
    spawn: (cmd, args) => spawn('setpriv', priv(cmd, args), { env: baseEnv(), cwd: '/tmp', stdio: ['ignore', 'pipe', 'pipe'] }),
    curl: async (url, opts = {}) => {
      const headers = Object.entries(opts.headers ?? {}).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
      const r = await user.run('curl', ['-sS', '-m', '5', '-X', opts.method ?? 'GET', ...headers, '-w', '\n%{http_code}', url]);
      const cut = r.stdout.lastIndexOf('\n');
      return { status: Number(r.stdout.slice(cut + 1)) || 0, body: r.stdout.slice(0, Math.max(0, cut)) };
    },
  };
  return user;
}

export { ROOT };
