// Part 5: steady state with short-lived credentials. The emulator caps every issued
// credential at `lifetimeSeconds`; a pinned profile is primed, then served continuously at a
// paced rate. The broker should refresh in the background (at half life) so that no SDK
// request waits for STS: the daemon's stats.waitedOnSts (from `credd status --json`) must not move.
import type { RunResult } from '../test/shared/run-process.js';
import type { StsEmulatorClient } from '../test/shared/sts-emulator-client.js';
import { control, type DaemonStats } from './control.js';
import { runPaced } from './paced.js';
import { memoryOf } from '../test/shared/proc-memory.js';

export interface SteadyResult {
  lifetimeSeconds: number;
  seconds: number;
  rate: number;
  requests: number;
  non2xx: number;
  errors: number;
  waitedOnSts: number;
  stsFetches: number;
  assumeRoles: number;
  p99: number;
  max: number;
  expirations: string[];
  rssAfterKb: number;
}

async function stats(cli: (args: string[]) => Promise<RunResult>): Promise<DaemonStats> {
  const r = await cli(['status', '--json']);
  if (r.code !== 0) throw new Error(`credd status --json: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { stats: DaemonStats }).stats;
}

export async function steadyPhase(opts: {
  home: string;
  pid: number;
  port: number;
  ecsToken: string;
  profile: string;
  emulator: StsEmulatorClient;
  cli: (args: string[]) => Promise<RunResult>;
  lifetimeSeconds: number;
  seconds: number;
  rate: number;
}): Promise<SteadyResult> {
  await opts.emulator.setMaxIssuedDurationSeconds(opts.lifetimeSeconds);
  try {
    const primed = await control<{ expiration: string }>(opts.home, 'POST', '/v1/prime', { profile: opts.profile });
    const expirations = new Set<string>([primed.expiration]);
    const before = await stats(opts.cli);
    const assumeBefore = (await opts.emulator.counts())['AssumeRole'] ?? 0;
    // Watch which credentials are being served, once a second, from outside the load.
    const watch = setInterval(() => {
      void control<{ profiles: Array<{ name: string; expiration?: string }> }>(opts.home, 'GET', '/v1/status')
        .then((s) => s.profiles.find((p) => p.name === opts.profile)?.expiration)
        .then((e) => e !== undefined && expirations.add(e), () => undefined);
    }, 1_000);
    const load = await runPaced({
      port: opts.port,
      pid: opts.pid,
      connections: 4,
      rate: opts.rate,
      seconds: opts.seconds,
      path: `/v1/credentials/${opts.profile}`,
      headers: { authorization: opts.ecsToken },
    }).finally(() => clearInterval(watch));
    const after = await stats(opts.cli);
    const assumeAfter = (await opts.emulator.counts())['AssumeRole'] ?? 0;
    const lat = load.latency.summary();
    return {
      lifetimeSeconds: opts.lifetimeSeconds,
      seconds: load.seconds,
      rate: opts.rate,
      requests: after.requests - before.requests,
      non2xx: load.non2xx,
      errors: load.errors,
      waitedOnSts: after.waitedOnSts - before.waitedOnSts,
      stsFetches: after.stsFetches - before.stsFetches,
      assumeRoles: assumeAfter - assumeBefore,
      p99: lat.p99,
      max: lat.max,
      expirations: [...expirations].sort(),
      rssAfterKb: memoryOf(opts.pid).rssKb,
    };
  } finally {
    await opts.emulator.setMaxIssuedDurationSeconds(undefined);
  }
}
