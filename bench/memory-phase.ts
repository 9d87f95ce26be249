// Part 4: daemon RSS (VmRSS) idle, right after 100 000 cached requests, once the daemon has
// caught up with the work those requests queued (audit log lines), a minute later with nothing
// connected (what garbage the burst promoted to the old space is freed only when V8 next runs a
// major GC, usually its memory reducer), and after 1 000 switches.
import { waitForAuditQuiet } from './audit-quiet.js';
import { control } from './control.js';
import { requestsFor, runLoad } from './load.js';
import { memoryOf } from '../test/shared/proc-memory.js';
import { median } from './stats.js';

export interface MemoryResult {
  idleKb: number;
  requests: number;
  requestSeconds: number;
  afterRequestsKb: number;
  /** Seconds after the last response until the audit log stopped changing. */
  settleSeconds: number;
  settledKb: number;
  /** RSS LATER_S after the last response, nothing connected meanwhile. */
  laterKb: number;
  switches: number;
  switchMedianMs: number;
  afterSwitchesKb: number;
  peakKb: number;
}

export const LATER_S = 60;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function memoryPhase(opts: { home: string; pid: number; port: number; ecsToken: string; requests: number; switches: number; profiles: [string, string] }): Promise<MemoryResult> {
  await sleep(2_000);
  const idleKb = memoryOf(opts.pid).rssKb;

  const load = await runLoad({ port: opts.port, pid: opts.pid, connections: 10, amount: opts.requests, requests: requestsFor('ecs', { ecsToken: opts.ecsToken, role: '' }) });
  if (load.requests < opts.requests) throw new Error(`memory phase: only ${load.requests} of ${opts.requests} requests got a 2xx (${load.non2xx} non-2xx, ${load.errors} errors)`);
  const afterRequestsKb = memoryOf(opts.pid).rssKb;
  const settleSeconds = await waitForAuditQuiet(opts.home, 1_000, 40_000);
  const settledKb = memoryOf(opts.pid).rssKb;
  await sleep(Math.max(0, LATER_S - settleSeconds) * 1000);
  const laterKb = memoryOf(opts.pid).rssKb;

  // Both profiles cached first: these are switches between warm profiles, as the CLI does them.
  for (const p of opts.profiles) await control(opts.home, 'POST', '/v1/switch', { profile: p });
  const times: number[] = [];
  for (let i = 0; i < opts.switches; i++) {
    const t0 = process.hrtime.bigint();
    await control(opts.home, 'POST', '/v1/switch', { profile: opts.profiles[i % 2] });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  await sleep(1_000);
  const after = memoryOf(opts.pid);
  return {
    idleKb,
    requests: load.requests,
    requestSeconds: load.seconds,
    afterRequestsKb,
    settleSeconds,
    settledKb,
    laterKb,
    switches: opts.switches,
    switchMedianMs: median(times),
    afterSwitchesKb: after.rssKb,
    peakKb: after.hwmKb,
  };
}
