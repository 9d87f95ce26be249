/**
 * V8 flags the daemon runs with, however it is started. A 1 MiB young generation keeps a
 * long-running, mostly idle process small (V8 grows it to 16 MiB under request load and
 * keeps it); the flag must be on the command line, since V8 sizes the heap before any code runs.
 */
export const DAEMON_NODE_FLAGS = ['--max-semi-space-size=1'];

/** Whether this process already runs with the flags (command line or NODE_OPTIONS). */
export function hasDaemonFlags(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)];
  return DAEMON_NODE_FLAGS.every((flag) => given.some((arg) => arg.split('=')[0] === flag.split('=')[0]));
}

/**
 * Replaces this process with one that has the flags: same pid (launchd, systemd and the pid
 * file see no change), no second Node in memory. Needs process.execve (Node ≥ 22.15 / 23.11,
 * not on Windows); elsewhere the daemon runs on as it is. Never returns when it replaces.
 */
export function reexecWithDaemonFlags(env: NodeJS.ProcessEnv): void {
  const execve = (process as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }).execve;
  if (typeof execve !== 'function' || hasDaemonFlags(process.execArgv, env['NODE_OPTIONS'])) return;
  execve.call(process, process.execPath, [process.execPath, ...DAEMON_NODE_FLAGS, ...process.execArgv, ...process.argv.slice(1)], env);
}
