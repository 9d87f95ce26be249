// Part 3b: what credd adds to a new interactive shell. Each shell starts with an rc file that is
// empty, holds `credd init SHELL`'s snippet, or runs `eval "$(credd env --hook)"`; rows are
// interleaved so machine drift hits every variant alike.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { CREDD_BIN, run } from '../test/shared/run-process.js';
import type { CliRow } from './cli-phase.js';
import { median } from './stats.js';

type Shell = 'bash' | 'zsh' | 'fish';

/** argv that starts SHELL interactively with RC as its only start-up file, then exits. */
function shellArgs(shell: Shell, rcDir: string, rc: string): { args: string[]; env: Record<string, string> } {
  if (shell === 'bash') return { args: ['--rcfile', rc, '--noprofile', '-i', '-c', ':'], env: {} };
  // -d: no /etc/zsh files; ZDOTDIR's .zshrc is the rc file.
  if (shell === 'zsh') return { args: ['-d', '-i', '-c', ':'], env: { ZDOTDIR: rcDir } };
  return { args: ['--no-config', '-i', '-C', `source '${rc}'`, '-c', ':'], env: {} };
}

export async function shellPhase(opts: { env: Record<string, string>; dir: string; runs: number }): Promise<CliRow[]> {
  const shells = (['bash', 'zsh', 'fish'] as const).filter((s) => spawnSync(s, ['-c', 'exit 0']).status === 0);
  const variants: Array<{ shell: Shell; label: string; args: string[]; env: Record<string, string> }> = [];
  const evalLine = `eval "$('${process.execPath}' '${CREDD_BIN}' env --hook)"\n`;
  for (const shell of shells) {
    const init = await run(process.execPath, [CREDD_BIN, 'init', shell], { env: opts.env });
    if (init.code !== 0) throw new Error(`credd init ${shell} exited ${init.code}: ${init.stderr}`);
    const rcs: Array<[string, string]> = [
      ['no credd', ''],
      ['credd init', init.stdout],
      [shell === 'fish' ? '`credd env --hook fish | source`' : '`eval "$(credd env --hook)"`', shell === 'fish' ? `'${process.execPath}' '${CREDD_BIN}' env --hook fish | source\n` : evalLine],
    ];
    for (const [i, [label, text]] of rcs.entries()) {
      const rcDir = path.join(opts.dir, `rc-${shell}-${i}`);
      await fs.mkdir(rcDir, { recursive: true });
      const rc = path.join(rcDir, shell === 'zsh' ? '.zshrc' : 'rc');
      await fs.writeFile(rc, text);
      const a = shellArgs(shell, rcDir, rc);
      variants.push({ shell, label: `new interactive ${shell}: ${label}`, args: a.args, env: { ...opts.env, ...a.env } });
    }
  }
  const times = new Map<string, number[]>(variants.map((v) => [v.label, []]));
  for (let round = -1; round < opts.runs; round++) {
    for (const v of variants) {
      const t0 = process.hrtime.bigint();
      const r = await run(v.shell, v.args, { env: v.env });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.code !== 0) throw new Error(`${v.label} exited ${r.code}: ${r.stderr}`);
      if (round >= 0) times.get(v.label)?.push(ms);
    }
  }
  return variants.map((v) => {
    const t = times.get(v.label) ?? [];
    return { command: v.label, runs: t.length, medianMs: median(t), minMs: Math.min(...t), maxMs: Math.max(...t) };
  });
}
