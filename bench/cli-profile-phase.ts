// Where a short command's time goes (issue 17's CLI rows): each command run a few times under
// `node --cpu-prof`, its samples grouped by the nearest JavaScript frame's module (Node's module
// loader, Node's other internals, credd's own files, each dependency, GC). The profiler starts
// after Node's own bootstrap, so wall time minus the profile's span is start-up and exit that no
// JavaScript of ours can change (`node -e 0` pays it too). Alone: via npm run bench.
import fs from 'node:fs/promises';
import path from 'node:path';
import { CREDD_BIN, run } from '../test/shared/run-process.js';
import { summariseProfile, type StackGroup } from './cpu-profile.js';
import { median, table } from './stats.js';

export interface CliProfileRow {
  command: string;
  runs: number;
  /** Medians over the runs, ms. */
  wallMs: number;
  profiledMs: number;
  idleMs: number;
  /** Busy ms per group (median over the runs), largest first. */
  groups: Array<{ group: string; ms: number }>;
}

/**
 * From the leaf up, the first frame that is credd's or a dependency's code means that code is
 * running (a module's top-level code included); a frame of Node's module loader met first means
 * the sample is loading (resolving with URL and path helpers, reading, compiling, linking).
 */
const loadingOrRunning: StackGroup = (frames) => {
  for (const f of frames) {
    if (f.url.includes('/node_modules/')) return 'dependencies running';
    if (/\/dist\//.test(f.url)) return 'credd (dist/) running';
    if (f.url.startsWith('node:internal/modules') || f.url === 'node:internal/bootstrap/realm') return 'Node loading modules';
  }
  return undefined;
};

/** The profile's groups (bench/cpu-profile.ts) folded into what a command's start-up is made of. */
const CLI_GROUPS = ['Node loading modules', 'Node internals running', 'credd (dist/) running', 'dependencies running', 'GC', 'native / (program)'];

function cliGroup(group: string): string {
  if (CLI_GROUPS.includes(group)) return group;
  // Reading module files (fs) happens for the loader at start-up: it is part of loading.
  if (group === 'node module loader' || group === 'node fs' || group === 'node built-in modules') return 'Node loading modules';
  if (group.startsWith('credd ')) return 'credd (dist/) running';
  if (group === 'GC' || group === 'native / (program)') return group;
  if (group.startsWith('node ') || group.startsWith('[')) return 'Node internals running'; // [eval]-wrapper: node -e
  return 'dependencies running';
}

export async function cliProfilePhase(opts: { dir: string; env: Record<string, string>; runs: number; cachedProfile: string }): Promise<CliProfileRow[]> {
  const commands = [
    { label: 'node -e 0', args: ['-e', '0'] },
    { label: 'credd status', args: [CREDD_BIN, 'status'] },
    { label: `credd switch ${opts.cachedProfile}`, args: [CREDD_BIN, 'switch', opts.cachedProfile] },
    { label: `credd export ${opts.cachedProfile}`, args: [CREDD_BIN, 'export', opts.cachedProfile] },
  ];
  const rows: CliProfileRow[] = [];
  for (const [i, c] of commands.entries()) {
    const walls: number[] = [];
    const profiled: number[] = [];
    const idle: number[] = [];
    const byGroup = new Map<string, number[]>();
    for (let r = -1; r < opts.runs; r++) {
      const profDir = path.join(opts.dir, `cli-prof-${i}-${r}`);
      const t0 = process.hrtime.bigint();
      const done = await run(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profDir}`, ...c.args], { env: opts.env });
      const wall = Number(process.hrtime.bigint() - t0) / 1e6;
      if (done.code !== 0) throw new Error(`${c.label} exited ${done.code}: ${done.stderr}`);
      if (r < 0) continue; // warm-up (disk cache)
      const file = (await fs.readdir(profDir)).find((f) => f.endsWith('.cpuprofile'));
      if (file === undefined) throw new Error(`${c.label} wrote no .cpuprofile`);
      const s = await summariseProfile(path.join(profDir, file), /^$/, { top: 100, stackGroup: loadingOrRunning });
      const busy = s.totalMs * (1 - s.idlePct / 100);
      walls.push(wall);
      profiled.push(s.totalMs);
      idle.push(s.totalMs - busy);
      const ms = new Map<string, number>();
      for (const g of s.groups) {
        const key = cliGroup(g.group);
        ms.set(key, (ms.get(key) ?? 0) + (busy * g.pct) / 100);
      }
      for (const [k, v] of ms) byGroup.set(k, [...(byGroup.get(k) ?? []), v]);
    }
    const groups = [...byGroup.entries()].map(([group, v]) => ({ group, ms: median([...v, ...Array<number>(opts.runs - v.length).fill(0)]) })).sort((a, b) => b.ms - a.ms);
    rows.push({ command: c.label, runs: opts.runs, wallMs: median(walls), profiledMs: median(profiled), idleMs: median(idle), groups });
  }
  return rows;
}

export function cliProfileTable(rows: CliProfileRow[]): string {
  const names = CLI_GROUPS.filter((n) => rows.some((r) => r.groups.some((g) => g.group === n)));
  return table(
    ['command', 'wall ms', 'before/after the profiler ms', 'waiting (idle) ms', ...names.map((n) => `${n} ms`)],
    rows.map((r) => [
      r.command,
      r.wallMs.toFixed(0),
      (r.wallMs - r.profiledMs).toFixed(0),
      r.idleMs.toFixed(0),
      ...names.map((n) => (r.groups.find((g) => g.group === n)?.ms ?? 0).toFixed(1)),
    ]),
  );
}
