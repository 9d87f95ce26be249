// Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went: self time per
// function, and per module group (a package in node_modules, credd's own dist/ folders,
// node's internals, GC, idle).
import fs from 'node:fs/promises';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  /** Share of non-idle samples; native leaves are grouped with their nearest JS caller. */
  topSelf: Array<{ fn: string; where: string; pct: number }>;
  groups: Array<{ group: string; pct: number }>;
  /** Inclusive share of non-idle samples for functions whose name matches `focus`. */
  inclusive: Array<{ fn: string; pct: number }>;
  idlePct: number;
}

const NATIVE = 'native / (program)';

export function groupOf(url: string, fn: string): string {
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(idle)') return 'idle';
  if (fn === '(program)' || url === '') return NATIVE;
  if (url.startsWith('node:internal/modules') || url.startsWith('node:internal/vm/module')) return 'node module loader';
  // Compiles each of Node's own built-in modules the first time it is loaded (node:http, …).
  if (url === 'node:internal/bootstrap/realm') return 'node built-in modules';
  if (url.startsWith('node:internal/fs')) return 'node fs';
  if (url.startsWith('node:internal/crypto')) return 'node crypto';
  if (/^node:(_http|net|internal\/(stream|streams|http|net|timers))/.test(url)) return 'node http/net/stream';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  if (url.startsWith('node:')) return 'node internals';
  const dist = /\/dist\/([^/]+)\/([^/]+)$/.exec(url);
  if (dist) return `credd ${dist[1]}/${dist[2]}`;
  return path.basename(url);
}

/** Names a sample's group from its whole stack (leaf first); undefined falls back to the nearest-frame group. */
export type StackGroup = (frames: ReadonlyArray<{ url: string; fn: string }>) => string | undefined;

/**
 * `fromUs`: ignore samples before this time (process.hrtime in µs — V8 stamps samples with the same
 * monotonic clock), so start-up (module loading, key decryption) does not count.
 */
export async function summariseProfile(file: string, focus: RegExp, opts: { top?: number; fromUs?: number; stackGroup?: StackGroup } = {}): Promise<ProfileSummary> {
  const top = opts.top ?? 15;
  const profile = JSON.parse(await fs.readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const from = opts.fromUs !== undefined && opts.fromUs > profile.startTime && opts.fromUs < profile.endTime ? opts.fromUs : -Infinity;
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at >= from) selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    total += us;
    if (byId.get(id)?.callFrame.functionName === '(idle)') idle += us;
  }
  const busy = Math.max(1, total - idle);
  const label = (n: ProfileNode): { fn: string; where: string } => ({
    fn: n.callFrame.functionName || '(anonymous)',
    where: n.callFrame.url === '' ? '' : `${n.callFrame.url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/')}:${n.callFrame.lineNumber + 1}`,
  });

  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // A native leaf (writev, open, stat…) belongs to the nearest caller that is not native.
  const groupOfStack = (id: number): string => {
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (!n) break;
      const g = groupOf(n.callFrame.url, n.callFrame.functionName);
      if (g !== NATIVE || n.callFrame.functionName === '(program)') return g;
    }
    return NATIVE;
  };

  const framesOf = (id: number): Array<{ url: string; fn: string }> => {
    const frames: Array<{ url: string; fn: string }> = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (!n) break;
      frames.push({ url: n.callFrame.url, fn: n.callFrame.functionName });
    }
    return frames;
  };

  const selfByFn = new Map<string, { fn: string; where: string; us: number }>();
  const groups = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!n || n.callFrame.functionName === '(idle)') continue;
    const l = label(n);
    const key = `${l.fn}@${l.where}`;
    const entry = selfByFn.get(key) ?? { ...l, us: 0 };
    entry.us += us;
    selfByFn.set(key, entry);
    const g = (opts.stackGroup && opts.stackGroup(framesOf(id))) ?? groupOfStack(id);
    groups.set(g, (groups.get(g) ?? 0) + us);
  }

  // Inclusive time: a node's self time counts for every matching function on its stack (once each).
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const fn = byId.get(cur)?.callFrame.functionName ?? '';
      if (focus.test(fn) && !seen.has(fn)) {
        seen.add(fn);
        inclusive.set(fn, (inclusive.get(fn) ?? 0) + us);
      }
    }
  }
  const pct = (us: number): number => (100 * us) / busy;
  return {
    totalMs: total / 1000,
    idlePct: (100 * idle) / Math.max(1, total),
    topSelf: [...selfByFn.values()].sort((a, b) => b.us - a.us).slice(0, top).map((e) => ({ fn: e.fn, where: e.where, pct: pct(e.us) })),
    groups: [...groups.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([group, us]) => ({ group, pct: pct(us) })),
    inclusive: [...inclusive.entries()].sort((a, b) => b[1] - a[1]).map(([fn, us]) => ({ fn, pct: pct(us) })),
  };
}
