// Where credd's CPU per cached request goes, layer by layer (issue 17's CPU row): the same ECS
// answer (byte for byte) from servers that each add one layer of credd, same keep-alive load,
// rounds interleaved so a burst of other work on the machine hits every rung alike; per rung the
// best round counts. Each rung's process CPU is split into user/kernel and main thread/other
// threads from /proc, which no sampling profile of the main thread can show.
// Alone (about a minute; replaces bench/cpu-ratio.ts: its first and last rows are that ratio):
//   node --import tsx bench/cpu-ladder.ts [requests]
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { waitForAuditQuiet } from './audit-quiet.js';
import { requestsFor, runLoad } from './load.js';
import { cpuSplitOf, type CpuSplit } from './procfs.js';
import { DAEMON_NODE_FLAGS } from '../src/cli/daemon-node-flags.js';
import { awsConfig, createIdentities, httpRequest, startBareServer, startCredd, startEmulator, startLadderServer, type BareServer, type LadderRung } from './setup.js';
import { fmtRatio, table } from './stats.js';
import type { GoalCheck } from './goals.js';

export interface LadderRow {
  rung: string;
  /** What this rung adds to the one above. */
  adds: string;
  /** µs of process CPU per request (all threads), best round; and that round's split. */
  cpuUs: number;
  userUs: number;
  systemUs: number;
  mainUs: number;
  rounds: number[];
}

export interface LadderResult {
  connections: number;
  requests: number;
  bodyBytes: number;
  rows: LadderRow[];
}

interface Rung {
  name: string;
  adds: string;
  start(): Promise<BareServer>;
  /** credd's daemon queues audit lines after answering: wait until they are written (they belong to the round). */
  settle?(): Promise<unknown>;
  external?: boolean;
}

const flags = DAEMON_NODE_FLAGS.join(' ');

export async function cpuLadder(opts: {
  dir: string;
  /** The running credd daemon, its token, the ECS body it answers and its CREDD_HOME (for the audit log). */
  credd: { port: number; pid: number; token: string; body: string; home: string };
  requests: number;
  rounds: number;
  connections: number;
  log?: (line: string) => void;
}): Promise<LadderResult> {
  const setup = { body: opts.credd.body, token: opts.credd.token };
  const ladder = (rung: LadderRung): (() => Promise<BareServer>) => () => startLadderServer(opts.dir, rung, setup);
  const rungs: Rung[] = [
    { name: 'bare node:http', adds: 'the goal\'s floor: answers the bytes, checks nothing', start: () => startBareServer(opts.dir, { ecs: opts.credd.body, imds: '', token: '' }) },
    { name: `bare node:http, ${flags}`, adds: `the daemon's V8 flag (a 1 MiB young generation: more, smaller GCs)`, start: () => startBareServer(opts.dir, { ecs: opts.credd.body, imds: '', token: '' }, DAEMON_NODE_FLAGS) },
    { name: 'minimal Fastify app', adds: 'Fastify\'s request pipeline (router, request/reply objects, hooks machinery)', start: ladder('fastify') },
    { name: 'credd buildServer', adds: 'credd\'s hooks and routes: Host/browser guard, token check, credentials provider, IMDS routes, socket deadlines', start: ladder('server') },
    { name: '+ audit lines', adds: 'one audit line per response, buffered, one write per 200 ms (the client\'s process not looked up)', start: ladder('lines') },
    { name: '+ client process lookup', adds: 'the audit\'s lookup of the client\'s process, once per connection (Linux: /proc/net/tcp, then /proc/PID/fd of every process)', start: ladder('audit') },
    { name: '+ peer-uid check', adds: 'the other-local-user check (once per connection)', start: ladder('peer') },
    {
      name: 'credd daemon',
      adds: 'the rest of the daemon: broker, logger, timers, control socket',
      start: async () => ({ port: opts.credd.port, pid: opts.credd.pid, stop: async () => undefined }),
      settle: () => waitForAuditQuiet(opts.credd.home, 300, 30_000),
      external: true,
    },
  ];
  const requests = requestsFor('ecs', { ecsToken: opts.credd.token, role: '' });
  const servers: BareServer[] = [];
  const results: Array<Array<{ us: number; split: CpuSplit }>> = rungs.map(() => []);
  try {
    for (const r of rungs) servers.push(await r.start());
    // Warm-up: JIT and connection paths, not recorded.
    for (const s of servers) await runLoad({ port: s.port, pid: s.pid, connections: opts.connections, amount: Math.min(5_000, opts.requests), requests });
    for (let round = 0; round < opts.rounds; round++) {
      for (const [i, r] of rungs.entries()) {
        const s = servers[i]!;
        const before = cpuSplitOf(s.pid);
        const load = await runLoad({ port: s.port, pid: s.pid, connections: opts.connections, amount: opts.requests, requests });
        if (load.non2xx + load.errors > 0) throw new Error(`${r.name}: ${load.non2xx} non-2xx answers, ${load.errors} errors`);
        await (r.settle?.() ?? new Promise((resolve) => setTimeout(resolve, 300)));
        const after = cpuSplitOf(s.pid);
        const per = (ms: number): number => (ms * 1000) / load.requests;
        const split = { userMs: per(after.userMs - before.userMs), systemMs: per(after.systemMs - before.systemMs), mainMs: per(after.mainMs - before.mainMs) };
        results[i]!.push({ us: split.userMs + split.systemMs, split });
      }
      opts.log?.(`  round ${round + 1}: ${rungs.map((r, i) => `${r.name} ${results[i]!.at(-1)!.us.toFixed(0)}`).join(', ')} µs/req`);
    }
  } finally {
    for (const [i, s] of servers.entries()) if (!rungs[i]!.external) await s.stop();
  }
  const rows = rungs.map((r, i): LadderRow => {
    const best = results[i]!.reduce((a, b) => (b.us < a.us ? b : a));
    return { rung: r.name, adds: r.adds, cpuUs: best.us, userUs: best.split.userMs, systemUs: best.split.systemMs, mainUs: best.split.mainMs, rounds: results[i]!.map((x) => x.us) };
  });
  return { connections: opts.connections, requests: opts.requests, bodyBytes: Buffer.byteLength(opts.credd.body), rows };
}

/** One goals-table line: how the CPU ratio splits into layers (section 1b). */
export function ladderContext(r: LadderResult): GoalCheck {
  const floor = r.rows[0]?.cpuUs ?? NaN;
  const steps = r.rows.slice(1).map((row) => `${row.rung.replace(/^\+ /, '')} ${fmtRatio(row.cpuUs / floor)}`);
  return { goal: '(context) the CPU ratio layer by layer, each row adding one layer to the one before (section 1b, 10 connections)', target: '', measured: steps.join(' → '), pass: undefined };
}

export function ladderTable(r: LadderResult): string {
  const floor = r.rows[0]?.cpuUs ?? NaN;
  return table(
    ['server (each adds one layer)', 'CPU µs/req', 'vs bare', 'step', 'user / kernel µs', 'main thread / other threads µs', 'rounds µs', 'what the layer adds'],
    r.rows.map((row, i) => {
      const prev = i === 0 ? NaN : (r.rows[i - 1]?.cpuUs ?? NaN);
      return [
        row.rung,
        row.cpuUs.toFixed(0),
        fmtRatio(row.cpuUs / floor),
        i === 0 ? '' : `${row.cpuUs - prev >= 0 ? '+' : ''}${(row.cpuUs - prev).toFixed(0)}`,
        `${row.userUs.toFixed(0)} / ${row.systemUs.toFixed(0)}`,
        `${row.mainUs.toFixed(0)} / ${(row.cpuUs - row.mainUs).toFixed(0)}`,
        row.rounds.map((x) => x.toFixed(0)).join(' '),
        row.adds,
      ];
    }),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const amount = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 20_000);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-ladder-'));
  const stops: Array<() => Promise<void>> = [];
  try {
    const emulator = await startEmulator(dir);
    stops.push(emulator.stop);
    const ids = await createIdentities(emulator.client, { readonly: 'ReadOnly' });
    const configFile = path.join(dir, 'aws-config');
    await fs.writeFile(configFile, awsConfig(ids.roles));
    const credd = await startCredd(dir, { name: 'credd', stsUrl: emulator.url, configFile, user: ids.user });
    stops.push(credd.stop);
    await credd.cli(['switch', 'readonly']);
    const ecs = await httpRequest({ port: credd.port }, 'GET', '/v1/credentials', { authorization: credd.token });
    const result = await cpuLadder({ dir, credd: { port: credd.port, pid: credd.pid, token: credd.token, body: ecs.body, home: credd.home }, requests: amount, rounds: 3, connections: 10, log: (l) => process.stderr.write(`${l}\n`) });
    process.stdout.write(`load ${os.loadavg()[0]?.toFixed(1)}, ${result.requests} requests per round, ${result.connections} connections, ${result.bodyBytes}-byte body\n${ladderTable(result)}\n`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
  }
}
