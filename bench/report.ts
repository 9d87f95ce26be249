// Turns one run's numbers into the tables printed on the console and written to docs/benchmarks.md.
import type { E2eRow } from './e2e-phase.js';
import type { GoalCheck, Measurements } from './goals.js';
import type { HttpRow, Side } from './http-phase.js';
import { LATER_S } from './memory-phase.js';
import type { MachineInfo } from './procfs.js';
import type { PeerUidResult } from './peer-uid-phase.js';
import { ladderTable, type LadderResult } from './cpu-ladder.js';
import { cliProfileTable, type CliProfileRow } from './cli-profile-phase.js';
import type { ProfileResult } from './profile-phase.js';
import { fmtInt, fmtMb, fmtMs, fmtRatio, table } from './stats.js';

export interface Report extends Measurements {
  date: Date;
  machine: MachineInfo;
  awsCli: string;
  autocannon: string;
  settings: { httpSeconds: number; e2eRuns: number; cliRuns: number };
  /** 1-minute load average when the run started and ended (other work on the machine). */
  load: { start: number; end: number };
  e2e: E2eRow[];
  goals: GoalCheck[];
  profile?: ProfileResult;
  peerUid?: PeerUidResult;
  ladder?: LadderResult;
  cliProfile?: CliProfileRow[];
  notes: string;
}

const lat = (s: Side): string => `${fmtMs(s.p50)} / ${fmtMs(s.p99)} / ${fmtMs(s.max)}`;
const scenarioLabel: Record<HttpRow['scenario'], string> = {
  ecs: 'ECS GET /v1/credentials',
  'imds-token+get': 'IMDS PUT token + GET creds',
  'imds-get': 'IMDS GET creds, token reused',
};

export function goalsTable(goals: GoalCheck[]): string {
  return table(['goal', 'target', 'measured', 'result'], goals.map((g) => [g.goal, g.target, g.measured, g.pass === undefined ? 'info' : g.pass ? 'PASS' : 'MISS']));
}

export function httpTable(rows: HttpRow[]): string {
  return table(
    ['requests', 'conns', 'credd req/s', 'bare req/s', 'credd/bare', 'credd p50 / p99 / max ms', 'bare p50 / p99 / max ms', 'credd CPU µs/req', 'bare CPU µs/req', 'credd audit backlog'],
    rows.map((r) => [
      scenarioLabel[r.scenario] + (r.rate !== undefined ? `, paced ${fmtInt(r.rate)} req/s` : ''),
      String(r.connections),
      fmtInt(r.credd.reqPerSec),
      fmtInt(r.bare.reqPerSec),
      fmtRatio(r.credd.reqPerSec / r.bare.reqPerSec),
      lat(r.credd),
      lat(r.bare),
      fmtInt(r.credd.cpuUsPerReq),
      fmtInt(r.bare.cpuUsPerReq),
      `${r.credd.backlogSeconds.toFixed(1)} s`,
    ]),
  );
}

export function e2eTable(rows: E2eRow[]): string {
  const credd = rows[0]?.medianMs ?? NaN;
  return table(
    ['credentials from', 'runs', 'median ms', 'min ms', 'max ms', 'vs credd', 'AssumeRole calls'],
    rows.map((r) => [r.variant, String(r.runs), fmtMs(r.medianMs), fmtMs(r.minMs), fmtMs(r.maxMs), fmtRatio(r.medianMs / credd), String(r.assumeRoles)]),
  );
}

export function consoleReport(r: Report): string {
  const m = r.memory;
  return [
    '',
    '1. Cached credential requests (credd vs bare node:http; latency per HTTP request)',
    httpTable(r.http),
    ...(r.ladder ? ['', '1b. Where credd\'s CPU per request goes (one layer at a time)', ladderTable(r.ladder)] : []),
    '',
    '2. End to end: aws sts get-caller-identity',
    e2eTable(r.e2e),
    '',
    '3. CLI wall time',
    table(['command', 'runs', 'median ms', 'min ms', 'max ms'], r.cli.map((c) => [c.command, String(c.runs), fmtMs(c.medianMs), fmtMs(c.minMs), fmtMs(c.maxMs)])),
    ...(r.cliProfile ? ['', '3b. Where a command\'s time goes (node --cpu-prof, medians)', cliProfileTable(r.cliProfile)] : []),
    '',
    '4. Memory (daemon VmRSS)',
    table(
      ['when', 'RSS'],
      [
        ['idle, credentials cached', fmtMb(m.idleKb)],
        [`right after ${fmtInt(m.requests)} requests (${m.requestSeconds.toFixed(1)} s)`, fmtMb(m.afterRequestsKb)],
        [`audit log caught up (${m.settleSeconds.toFixed(1)} s later)`, fmtMb(m.settledKb)],
        [`${LATER_S} s after the last response, nothing connected`, fmtMb(m.laterKb)],
        [`after ${fmtInt(m.switches)} switches (median ${fmtMs(m.switchMedianMs)} ms each)`, fmtMb(m.afterSwitchesKb)],
        [`after the steady-state run (${fmtInt(r.steady.requests)} more requests at ${fmtInt(r.steady.rate)} req/s)`, fmtMb(r.steady.rssAfterKb)],
        ['peak (VmHWM)', fmtMb(m.peakKb)],
      ],
    ),
    '',
    '5. Steady state',
    steadyTable(r),
    '',
    'Goals',
    goalsTable(r.goals),
    '',
  ].join('\n');
}

export function steadyTable(r: Report): string {
  const s = r.steady;
  return table(
    ['credential lifetime', 'run', 'requests', 'waited on STS', 'non-2xx / errors', 'AssumeRole calls', 'p99 / max ms', 'credentials served (expirations)'],
    [[`${s.lifetimeSeconds} s`, `${s.seconds.toFixed(0)} s at ${fmtInt(s.rate)} req/s`, fmtInt(s.requests), String(s.waitedOnSts), `${s.non2xx} / ${s.errors}`, String(s.assumeRoles), `${fmtMs(s.p99)} / ${fmtMs(s.max)}`, s.expirations.map((e) => e.slice(11, 19)).join(', ')]],
  );
}

export function profileSection(p: ProfileResult): string {
  const s = p.summary;
  return [
    `A second daemon ran under \`node --cpu-prof\` with the cached ECS load (10 connections): ${fmtInt(p.reqPerSec)} req/s, ${p.cores.toFixed(2)} cores of CPU for the process; its main thread was idle ${s.idlePct.toFixed(0)}% of the time. Only samples taken while the load ran count (not start-up). Shares below are of the main thread's busy time; a native leaf (writev, open, stat…) is counted with its nearest JavaScript caller.`,
    '',
    table(['where (by stack)', 'share'], s.groups.map((g) => [g.group, `${g.pct.toFixed(1)}%`])),
    '',
    table(['function (self time)', 'at', 'share'], s.topSelf.map((f) => [f.fn, f.where || '(native)', `${f.pct.toFixed(1)}%`])),
    '',
    'Inclusive (on the stack) for the functions of interest: ' + s.inclusive.map((f) => `${f.fn} ${f.pct.toFixed(1)}%`).join(', ') + '.',
  ].join('\n');
}
