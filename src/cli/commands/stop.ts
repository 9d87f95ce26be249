import type { Command } from 'commander';
import fs from 'node:fs/promises';
import type { CliContext } from '../cli-context.js';
import { ROUTES } from '../../protocol/routes.js';

export async function runStop(ctx: CliContext): Promise<void> {
  await ctx.daemon.post(ROUTES.control.stop);
  // Wait until the socket is gone, so `credd stop && credd daemon` never races.
  for (let i = 0; i < 100; i++) {
    try {
      await fs.access(ctx.paths.controlSocket);
    } catch {
      ctx.out.write('credd daemon stopped.\n');
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  ctx.out.write('credd daemon is stopping.\n');
}

export function registerStop(program: Command, ctx: () => CliContext): void {
  program
    .command('stop')
    .description('stop the running daemon')
    .action(() => runStop(ctx()));
}
