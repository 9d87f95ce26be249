// What Linux tells about a process and the machine: CPU time, CPU model, memory (a process's
// own memory is in test/shared/proc-memory.ts, shared with the tests).
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** utime and stime of a /proc stat file, in ms (clock ticks are 100 Hz on Linux). */
function ticksOf(statFile: string): { user: number; system: number } {
  const stat = readFileSync(statFile, 'utf8');
  // The command name may contain spaces; fields after ')' are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 };
}

/** User + system CPU time of a process, in ms. */
export function cpuMsOf(pid: number): number {
  const t = ticksOf(`/proc/${pid}/stat`);
  return t.user + t.system;
}

export interface CpuSplit {
  /** ms of CPU in user space / in the kernel, all threads. */
  userMs: number;
  systemMs: number;
  /** ms of CPU of the main thread (the event loop: JavaScript and the system calls it makes). */
  mainMs: number;
}

/** A process's CPU time split by user/kernel and main thread/other threads (GC helpers, libuv pool). */
export function cpuSplitOf(pid: number): CpuSplit {
  const all = ticksOf(`/proc/${pid}/stat`);
  const main = ticksOf(`/proc/${pid}/task/${pid}/stat`);
  return { userMs: all.user, systemMs: all.system, mainMs: main.user + main.system };
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memory: string;
  node: string;
  os: string;
}

export function machineInfo(): MachineInfo {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch {
    // not Linux: keep os.cpus()
  }
  let distro = `${os.type()}`;
  try {
    distro = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? distro;
  } catch {
    // no os-release
  }
  return {
    cpu,
    cores: os.availableParallelism(),
    memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    node: process.version,
    os: `${distro}, kernel ${os.release()} (${os.arch()})`,
  };
}
