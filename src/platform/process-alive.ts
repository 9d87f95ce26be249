import fs from 'node:fs';

/**
 * Whether process `pid` still runs. EPERM from kill(pid, 0) means it runs, as someone else. On
 * Linux a zombie (exited, not yet reaped by its parent: state Z in /proc/PID/stat, proc(5)) has
 * ended too, though kill(pid, 0) still finds it.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !zombie(pid);
}

function zombie(pid: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    // "PID (COMM) STATE …": COMM may hold spaces and parentheses, so the state follows the last ')'.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}
