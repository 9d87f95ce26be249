// Part 1: cached credential requests, credd next to the bare node:http floor, in one run.
// Per cell: the bare server, then credd, then a wait until credd has written the audit lines
// those requests queued — so no cell inherits another's backlog, and credd's CPU per request
// includes that deferred work. Closed-loop cells use autocannon; the moderate cell is paced.
import { waitForAuditQuiet } from './audit-quiet.js';
import { requestsFor, runLoad, type LoadResult, type Scenario } from './load.js';
import { runPaced } from './paced.js';
import { cpuMsOf } from './procfs.js';

export interface Target {
  name: 'credd' | 'bare';
  port: number;
  pid: number;
}

export interface Side {
  reqPerSec: number;
  p50: number;
  p99: number;
  max: number;
  /** Server CPU time per answered request, µs (all threads; for credd including the audit backlog). */
  cpuUsPerReq: number;
  non2xx: number;
  errors: number;
  /** Seconds after the last response until credd's audit log stopped changing (credd only). */
  backlogSeconds: number;
}

export interface HttpRow {
  scenario: Scenario;
  connections: number;
  /** Paced request rate (req/s over all connections); undefined = as fast as it answers. */
  rate?: number;
  credd: Side;
  bare: Side;
}

export interface HttpPhaseOptions {
  credd: Target & { home: string };
  bare: Target;
  ecsToken: string;
  role: string;
  /** A fresh IMDS session token from credd (a flood of PUTs evicts old ones; the bare server takes any). */
  imdsToken(): Promise<string>;
  /** Seconds per server per cell. */
  seconds: number;
  concurrency: number[];
  moderate: { connections: number; rate: number };
}

function side(r: LoadResult, extraCpuMs = 0, backlogSeconds = 0): Side {
  const cpuMs = r.serverCpu * r.seconds * 1000 + extraCpuMs;
  return { reqPerSec: r.requests / r.seconds, ...r.latency.summary(), cpuUsPerReq: (cpuMs * 1000) / Math.max(1, r.requests), non2xx: r.non2xx, errors: r.errors, backlogSeconds };
}

async function cell(opts: HttpPhaseOptions, scenario: Scenario, connections: number, rate?: number): Promise<HttpRow> {
  const requests = requestsFor(scenario, { ecsToken: opts.ecsToken, role: opts.role, imdsToken: scenario === 'imds-get' ? await opts.imdsToken() : '' });
  const load = (t: Target): Promise<LoadResult> =>
    rate === undefined
      ? runLoad({ port: t.port, pid: t.pid, connections, duration: opts.seconds, requests })
      : runPaced({ port: t.port, pid: t.pid, connections, rate, seconds: opts.seconds, path: '/v1/credentials', headers: { authorization: opts.ecsToken } });
  const bare = await load(opts.bare);
  const credd = await load(opts.credd);
  const cpuBefore = cpuMsOf(opts.credd.pid);
  const backlog = await waitForAuditQuiet(opts.credd.home, 500, 30_000);
  const drainCpu = cpuMsOf(opts.credd.pid) - cpuBefore;
  return { scenario, connections, ...(rate !== undefined && { rate }), credd: side(credd, drainCpu, backlog), bare: side(bare) };
}

export async function httpPhase(opts: HttpPhaseOptions, log: (line: string) => void): Promise<HttpRow[]> {
  const scenarios: Scenario[] = ['ecs', 'imds-token+get', 'imds-get'];
  // Warm-up (JIT, connection set-up paths) for both servers, not recorded.
  for (const scenario of scenarios) {
    const imdsToken = scenario === 'imds-get' ? await opts.imdsToken() : '';
    for (const t of [opts.bare, opts.credd]) {
      await runLoad({ port: t.port, pid: t.pid, connections: 10, duration: 0.5, requests: requestsFor(scenario, { ecsToken: opts.ecsToken, role: opts.role, imdsToken }) });
    }
  }
  await waitForAuditQuiet(opts.credd.home, 500, 30_000);
  const rows: HttpRow[] = [];
  for (const scenario of scenarios) {
    for (const c of opts.concurrency) {
      const row = await cell(opts, scenario, c);
      log(`  ${scenario} c=${c}: credd ${Math.round(row.credd.reqPerSec)} req/s, bare ${Math.round(row.bare.reqPerSec)} req/s, audit backlog ${row.credd.backlogSeconds.toFixed(1)} s`);
      rows.push(row);
    }
  }
  const moderate = await cell(opts, 'ecs', opts.moderate.connections, opts.moderate.rate);
  log(`  ecs c=${opts.moderate.connections} paced ${opts.moderate.rate} req/s: credd p99 ${moderate.credd.p99.toFixed(2)} ms, bare p99 ${moderate.bare.p99.toFixed(2)} ms`);
  rows.push(moderate);
  return rows;
}
