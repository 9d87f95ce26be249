// Issue 17, idle rows: a daemon with credentials cached and nothing connected. Measures its CPU
// time and how often its main thread wakes up (voluntary context switches: every timer that
// fires, every poll that returns, is one), and its RSS. The shortest idle timer period is
// estimated as the window divided by the main thread's wake-ups. idleWindows measures two windows
// back to back: the first, right after warm-up, includes V8's memory reducer (a heap task every
// 8 s for up to 3 GCs after the last allocation burst, deps/v8/src/heap/memory-reducer.cc,
// kLongDelayMs and kMaxNumberOfGCs), the second what the daemon costs for the rest of an idle day.
import { readdirSync, readFileSync } from 'node:fs';
import { cpuMsOf } from './procfs.js';
import { memoryOf } from '../test/shared/proc-memory.js';

export interface IdleResult {
  seconds: number;
  cpuMs: number;
  /** cpuMs scaled to 60 s. */
  cpuMsPer60s: number;
  mainWakeups: number;
  /** Wake-ups of every thread (libuv pool, V8 platform threads, the main thread). */
  allWakeups: number;
  /** Seconds between main-thread wake-ups (the window when it never woke). */
  shortestTimerSeconds: number;
  rssKb: number;
}

function wakeupsOf(pid: number, tid: number): number {
  const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
  return Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? NaN);
}

function allWakeups(pid: number): number {
  let n = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) n += wakeupsOf(pid, Number(tid));
  return n;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function idlePhase(opts: { pid: number; seconds: number; settleMs?: number }): Promise<IdleResult> {
  // Let start-up work (prefetch, first notice, GC) finish before the window opens.
  await sleep(opts.settleMs ?? 3_000);
  const cpu0 = cpuMsOf(opts.pid);
  const main0 = wakeupsOf(opts.pid, opts.pid);
  const all0 = allWakeups(opts.pid);
  await sleep(opts.seconds * 1000);
  const cpuMs = cpuMsOf(opts.pid) - cpu0;
  const mainWakeups = wakeupsOf(opts.pid, opts.pid) - main0;
  return {
    seconds: opts.seconds,
    cpuMs,
    cpuMsPer60s: (cpuMs * 60) / opts.seconds,
    mainWakeups,
    allWakeups: allWakeups(opts.pid) - all0,
    shortestTimerSeconds: opts.seconds / Math.max(1, mainWakeups),
    rssKb: memoryOf(opts.pid).rssKb,
  };
}

/** Two windows back to back: right after warm-up, then the one that follows. */
export async function idleWindows(opts: { pid: number; seconds: number }): Promise<{ first: IdleResult; settled: IdleResult }> {
  const first = await idlePhase(opts);
  const settled = await idlePhase({ ...opts, settleMs: 0 });
  return { first, settled };
}
