// The goals of issue 7, checked against one run's numbers.
import type { CliRow } from './cli-phase.js';
import type { HttpRow } from './http-phase.js';
import type { MemoryResult } from './memory-phase.js';
import type { SteadyResult } from './steady-phase.js';
import { fmtMb, fmtMs } from './stats.js';

export interface GoalCheck {
  goal: string;
  target: string;
  measured: string;
  /** undefined: shown for context, not one of the issue's goals. */
  pass: boolean | undefined;
}

export interface Measurements {
  http: HttpRow[];
  cli: CliRow[];
  memory: MemoryResult;
  steady: SteadyResult;
}

function worstRatio(rows: HttpRow[]): { ratio: number; row: HttpRow | undefined } {
  let worst: { ratio: number; row: HttpRow | undefined } = { ratio: Infinity, row: undefined };
  for (const r of rows) {
    const ratio = r.credd.reqPerSec / r.bare.reqPerSec;
    if (ratio < worst.ratio) worst = { ratio, row: r };
  }
  return worst;
}

export function checkGoals(m: Measurements): GoalCheck[] {
  const moderate = m.http.find((r) => r.rate !== undefined);
  const saturated = m.http.filter((r) => r.rate === undefined);
  const ecs = worstRatio(saturated.filter((r) => r.scenario === 'ecs'));
  const imds = worstRatio(saturated.filter((r) => r.scenario !== 'ecs'));
  const status = m.cli.find((r) => r.command === 'credd status');
  const checks: GoalCheck[] = [];
  if (moderate) {
    checks.push({
      goal: `cached ECS request p99, ${moderate.connections} connections, paced ${moderate.rate} req/s`,
      target: '≤ 1 ms',
      measured: `${fmtMs(moderate.credd.p99)} ms (bare node:http ${fmtMs(moderate.bare.p99)} ms)`,
      pass: moderate.credd.p99 <= 1,
    });
  }
  const satC10 = saturated.find((r) => r.scenario === 'ecs' && r.connections === 10);
  if (satC10) {
    checks.push({
      goal: '(context) cached ECS request p99, 10 connections as fast as it answers — mostly queueing',
      target: '',
      measured: `${fmtMs(satC10.credd.p99)} ms (bare node:http ${fmtMs(satC10.bare.p99)} ms)`,
      pass: undefined,
    });
  }
  const ratioCheck = (label: string, w: { ratio: number; row: HttpRow | undefined }): GoalCheck => ({
    goal: `${label} throughput vs bare node:http (worst cell)`,
    target: '≥ 0.80×',
    measured: w.row ? `${w.ratio.toFixed(2)}× (${w.row.scenario}, c=${w.row.connections})` : '–',
    pass: w.ratio >= 0.8,
  });
  checks.push(ratioCheck('ECS', ecs), ratioCheck('IMDS', imds));
  if (status) checks.push({ goal: '`credd status` wall time (median)', target: '≤ 150 ms', measured: `${fmtMs(status.medianMs)} ms`, pass: status.medianMs <= 150 });
  checks.push({
    goal: `daemon RSS right after ${m.memory.requests.toLocaleString('en-US')} requests`,
    target: '≤ 80 MB',
    measured: `${fmtMb(m.memory.afterRequestsKb)} (${fmtMb(m.memory.settledKb)} once caught up, ${m.memory.settleSeconds.toFixed(1)} s later)`,
    pass: m.memory.afterRequestsKb / 1024 <= 80,
  });
  checks.push({
    goal: `SDK requests that waited on STS (steady state, ${m.steady.lifetimeSeconds} s credentials)`,
    target: '0',
    measured: `${m.steady.waitedOnSts} of ${m.steady.requests.toLocaleString('en-US')}`,
    pass: m.steady.waitedOnSts === 0 && m.steady.non2xx === 0 && m.steady.errors === 0,
  });
  checks.push(...startUpGoals(m.cli));
  return checks;
}

/** Issue 17's start-up goals: short commands against `node -e 0`, and what credd adds to a new shell. */
function startUpGoals(cli: CliRow[]): GoalCheck[] {
  const out: GoalCheck[] = [];
  const floor = cli.find((r) => r.command === 'node -e 0 (floor)');
  const vsFloor = (prefix: string, limit: number, goal: string): void => {
    const row = cli.find((r) => r.command.startsWith(prefix));
    if (!floor || !row) return;
    const ratio = row.medianMs / floor.medianMs;
    out.push({ goal, target: `≤ ${limit}× node -e 0`, measured: `${ratio.toFixed(2)}× (${fmtMs(row.medianMs)} vs ${fmtMs(floor.medianMs)} ms)`, pass: ratio <= limit });
  };
  vsFloor('credd status', 1.5, '`credd status` median vs `node -e 0`');
  vsFloor('credd switch', 1.5, '`credd switch` (cached) median vs `node -e 0`');
  vsFloor('credd export', 1.3, '`credential_process = credd export P` per call vs `node -e 0`');
  const request = cli.find((r) => r.command.startsWith('one control request'));
  if (floor && request) {
    out.push({
      goal: '(context) the floor under those three: a CommonJS file that only sends one control request with node:http (bench/control-request.cjs), vs `node -e 0`',
      target: '',
      measured: `${(request.medianMs / floor.medianMs).toFixed(2)}× (${fmtMs(request.medianMs)} vs ${fmtMs(floor.medianMs)} ms)`,
      pass: undefined,
    });
  }
  for (const shell of ['bash', 'zsh', 'fish']) {
    const bare = cli.find((r) => r.command === `new interactive ${shell}: no credd`);
    const init = cli.find((r) => r.command === `new interactive ${shell}: credd init`);
    const evaled = cli.find((r) => r.command.startsWith(`new interactive ${shell}: \``));
    if (!bare || !init) continue;
    const added = init.medianMs - bare.medianMs;
    out.push({
      goal: `what \`credd init ${shell}\` adds to a new interactive ${shell}`,
      target: '≤ 10 ms',
      measured: `${fmtMs(added)} ms${evaled ? ` (the eval form adds ${fmtMs(evaled.medianMs - bare.medianMs)} ms)` : ''}`,
      pass: added <= 10,
    });
  }
  return out;
}

/** The goals that a CPU profile of the request path can explain. */
export function requestPathMissed(checks: GoalCheck[]): boolean {
  return checks.some((c) => c.pass === false && (c.goal.includes('p99') || c.goal.includes('throughput')));
}
