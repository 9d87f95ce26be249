// Issue 17's daemon rows (lean): CPU per cached ECS request against the bare floor, RSS idle and
// after the memory phase's requests, idle CPU and the shortest idle timer period.
import type { GoalCheck } from './goals.js';
import type { HttpRow } from './http-phase.js';
import type { IdleResult } from './idle-phase.js';
import { LATER_S, type MemoryResult } from './memory-phase.js';
import { fmtMb } from './stats.js';

export interface LeanMeasurements {
  http: HttpRow[];
  memory: MemoryResult;
  /** Right after warm-up (V8's memory reducer still at work), and the window after it. */
  idle: { first: IdleResult; settled: IdleResult };
}

export function leanDaemonGoals(m: LeanMeasurements): GoalCheck[] {
  const checks: GoalCheck[] = [];
  // Closed-loop ECS cells (keep-alive autocannon clients): process CPU per answered request.
  const ecs = m.http.filter((r) => r.scenario === 'ecs' && r.rate === undefined);
  const worst = ecs.reduce<{ ratio: number; row?: HttpRow }>((w, r) => {
    const ratio = r.credd.cpuUsPerReq / r.bare.cpuUsPerReq;
    return ratio > w.ratio ? { ratio, row: r } : w;
  }, { ratio: 0 });
  if (worst.row) {
    checks.push({
      goal: 'CPU per cached ECS request vs bare node:http (process CPU, keep-alive clients, worst cell)',
      target: '≤ 1.3×',
      measured: `${worst.ratio.toFixed(2)}× (c=${worst.row.connections}: ${worst.row.credd.cpuUsPerReq.toFixed(0)} µs vs ${worst.row.bare.cpuUsPerReq.toFixed(0)} µs)`,
      pass: worst.ratio <= 1.3,
    });
  }
  checks.push({ goal: 'daemon RSS idle (credentials cached, before any load)', target: '≤ 60 MB', measured: fmtMb(m.memory.idleKb), pass: m.memory.idleKb / 1024 <= 60 });
  checks.push({
    goal: `daemon RSS after ${m.memory.requests.toLocaleString('en-US')} cached requests, once caught up`,
    target: '≤ 80 MB',
    measured: fmtMb(m.memory.settledKb),
    pass: m.memory.settledKb / 1024 <= 80,
  });
  checks.push({
    goal: `(context) the same daemon ${LATER_S} s after the last of those requests, nothing connected (V8 frees the burst's garbage at its next major GC)`,
    target: '',
    measured: fmtMb(m.memory.laterKb),
    pass: undefined,
  });
  const { first, settled } = m.idle;
  const wakeups = (r: IdleResult): string => `${r.mainWakeups} main-thread wake-ups, ${r.allWakeups} all threads, in ${r.seconds} s`;
  checks.push({
    goal: `idle daemon CPU over 60 s (credentials cached, no clients; the ${settled.seconds} s after the first window below)`,
    target: '≤ 30 ms',
    measured: `${settled.cpuMsPer60s.toFixed(0)} ms (${settled.cpuMs} ms in ${settled.seconds} s)`,
    pass: settled.cpuMsPer60s <= 30,
  });
  checks.push({
    goal: 'shortest timer period while idle (window ÷ main-thread wake-ups, same window)',
    target: '≥ 60 s',
    measured: `${settled.shortestTimerSeconds.toFixed(1)} s (${wakeups(settled)})`,
    // A window shorter than a minute cannot show a 60 s period; no wake-up at all is the pass there.
    pass: settled.mainWakeups === 0 || settled.shortestTimerSeconds >= 60,
  });
  checks.push({
    goal: `(context) idle daemon, the first ${first.seconds} s right after warm-up: includes V8's memory reducer (GC tasks every 8 s, up to 3 GCs, after the last burst of work)`,
    target: '',
    measured: `${first.cpuMsPer60s.toFixed(0)} ms per 60 s (${first.cpuMs} ms; ${wakeups(first)})`,
    pass: undefined,
  });
  return checks;
}
