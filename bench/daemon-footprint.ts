// `node --import tsx bench/daemon-footprint.ts [seconds] [requests]`: issue 17's idle and memory rows
// alone, for two daemons side by side in one run: "capped" (the V8 flags `credd daemon --detach`
// and the service units pass, as the benchmark now runs it) and "uncapped" (a plain foreground
// daemon on Node < 22.15). Two idle windows each: right after warm-up, and one window later.
// With --strace, each daemon's main thread is traced through both windows (poll waits, futexes;
// the CPU figures then include ptrace's cost) to $TMPDIR/credd-idle-<name>.strace.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { idleWindows, type IdleResult } from './idle-phase.js';
import { memoryPhase } from './memory-phase.js';
import { awsConfig, createIdentities, startCredd, startEmulator } from './setup.js';

const nums = process.argv.slice(2).filter((a) => /^\d+$/.test(a)).map(Number);
const seconds = nums[0] ?? 60;
const requests = nums[1] ?? 100_000;
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-footprint-'));
const stops: Array<() => Promise<void>> = [];
const fmt = (r: IdleResult): string => `${r.cpuMs} ms CPU, ${r.mainWakeups} main / ${r.allWakeups} all wake-ups, RSS ${(r.rssKb / 1024).toFixed(1)} MB`;
try {
  const emulator = await startEmulator(dir);
  stops.push(emulator.stop);
  const ids = await createIdentities(emulator.client, { readonly: 'ReadOnly', admin: 'Admin' });
  const configFile = path.join(dir, 'aws-config');
  await fs.writeFile(configFile, awsConfig(ids.roles));
  const daemons = [];
  for (const [name, uncapped] of [['capped', false], ['uncapped', true]] as const) {
    const credd = await startCredd(dir, { name, stsUrl: emulator.url, configFile, user: ids.user, uncapped });
    stops.push(credd.stop);
    const switched = await credd.cli(['switch', 'readonly']);
    if (switched.code !== 0) throw new Error(`${name}: credd switch readonly: ${switched.stderr}`);
    daemons.push({ name, credd });
  }
  const traces = process.argv.includes('--strace')
    ? daemons.map((d) => spawn('strace', ['-tt', '-e', 'trace=epoll_wait,epoll_pwait,timerfd_settime,futex', '-o', path.join(os.tmpdir(), `credd-idle-${d.name}.strace`), '-p', String(d.credd.pid)], { stdio: 'ignore' }))
    : [];
  // Both idle at once (idle daemons do not compete for the CPU): right after warm-up, then later.
  const idle = await Promise.all(daemons.map((d) => idleWindows({ pid: d.credd.pid, seconds })));
  for (const t of traces) t.kill('SIGINT');
  for (const [i, d] of daemons.entries()) {
    process.stdout.write(`${d.name} pid ${d.credd.pid}: idle ${seconds} s after warm-up: ${fmt(idle[i]!.first)}; next ${seconds} s: ${fmt(idle[i]!.settled)}\n`);
  }
  for (const d of daemons) {
    const m = await memoryPhase({ home: d.credd.home, pid: d.credd.pid, port: d.credd.port, ecsToken: d.credd.token, requests, switches: 100, profiles: ['readonly', 'admin'] });
    const mb = (kb: number): string => `${(kb / 1024).toFixed(1)} MB`;
    process.stdout.write(`${d.name}: RSS idle ${mb(m.idleKb)}, after ${m.requests} requests ${mb(m.afterRequestsKb)}, caught up ${mb(m.settledKb)}, 60 s later ${mb(m.laterKb)}, after switches ${mb(m.afterSwitchesKb)}, peak ${mb(m.peakKb)}\n`);
  }
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await fs.rm(dir, { recursive: true, force: true });
}
