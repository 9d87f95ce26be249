// Part 3: wall time of short CLI commands, spawned as a user's shell would (node dist/bin/credd.cjs …).
import { fileURLToPath } from 'node:url';
import { CREDD_BIN, run } from '../test/shared/run-process.js';
import { median } from './stats.js';

const CONTROL_REQUEST = fileURLToPath(new URL('./control-request.cjs', import.meta.url));

export interface CliRow {
  command: string;
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
}

export async function cliPhase(opts: { env: Record<string, string>; runs: number; cachedProfile: string }): Promise<CliRow[]> {
  const commands: Array<{ label: string; args: string[] }> = [
    { label: 'node -e 0 (floor)', args: ['-e', '0'] },
    // What any command that asks the daemon something costs before credd's own code: see the file.
    { label: 'one control request, no credd code (floor)', args: [CONTROL_REQUEST] },
    { label: 'credd status', args: [CREDD_BIN, 'status'] },
    { label: 'credd env', args: [CREDD_BIN, 'env'] },
    { label: `credd switch ${opts.cachedProfile} (cached)`, args: [CREDD_BIN, 'switch', opts.cachedProfile] },
    // What an SDK runs for every client start with `credential_process = credd export P`.
    { label: `credd export ${opts.cachedProfile} (credential_process)`, args: [CREDD_BIN, 'export', opts.cachedProfile] },
  ];
  const times = new Map<string, number[]>(commands.map((c) => [c.label, []]));
  // One untimed round first (disk cache), then interleaved rounds so drift hits every command alike.
  for (let round = -1; round < opts.runs; round++) {
    for (const c of commands) {
      const t0 = process.hrtime.bigint();
      const r = await run(process.execPath, c.args, { env: opts.env });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.code !== 0) throw new Error(`${c.label} exited ${r.code}: ${r.stderr}`);
      if (round >= 0) times.get(c.label)?.push(ms);
    }
  }
  return commands.map((c) => {
    const t = times.get(c.label) ?? [];
    return { command: c.label, runs: t.length, medianMs: median(t), minMs: Math.min(...t), maxMs: Math.max(...t) };
  });
}
