import type { Command } from 'commander';
import { readAudit } from '../../daemon/audit-reader.js';
import type { CliContext } from '../cli-context.js';
import { terminalText } from '../../platform/terminal-text.js';
import { clockTime } from '../format-time.js';

/** Shows which local programs fetched which credentials, newest last. */
export async function runAudit(input: { limit: number; json: boolean }, ctx: CliContext): Promise<void> {
  const entries = await readAudit(ctx.paths.audit, input.limit, (n) => {
    ctx.err.write(`credd: skipped ${n} line${n === 1 ? '' : 's'} of ${ctx.paths.audit} that credd did not write (damaged or forged).\n`);
  });
  if (input.json) {
    ctx.out.write(`${JSON.stringify(entries)}\n`);
    return;
  }
  if (entries.length === 0) {
    ctx.out.write('No credential requests recorded yet.\n');
    return;
  }
  for (const e of entries) {
    // Every field comes from a file anyone with the user's rights could have written: print nothing raw.
    const who = [e.pid !== undefined ? `pid ${e.pid}` : undefined, String(e.command), e.uid !== undefined ? `[uid ${e.uid}]` : undefined].filter((x) => x !== undefined).join(' ');
    const scope = e.scope === undefined ? '' : `  [scope: ${terminalText(String(e.scope))}]`;
    ctx.out.write(`${terminalText(clockTime(String(e.at)))}  ${terminalText(String(e.endpoint)).padEnd(4)}  ${terminalText(String(e.status))}  ${terminalText(String(e.profile)).padEnd(16)}  ${terminalText(who)}${scope}\n`);
  }
}

export function registerAudit(program: Command, ctx: () => CliContext): void {
  program
    .command('audit')
    .description('show recent credential requests: when, which profile, which endpoint, which local program, and any session policy')
    .option('-n, --limit <n>', 'how many entries', '20')
    .option('--json', 'print JSON', false)
    .action((opts: { limit: string; json: boolean }) => runAudit({ limit: Math.max(1, Math.min(10_000, Number(opts.limit) || 20)), json: opts.json }, ctx()));
}
