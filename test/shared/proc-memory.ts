// Memory of a process as Linux reports it, for the memory tests and the benchmark.
import { readFileSync } from 'node:fs';

/** VmRSS and VmHWM (peak) of a process, in kB, from /proc/<pid>/status. */
export function memoryOf(pid: number): { rssKb: number; hwmKb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
}
