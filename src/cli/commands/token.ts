import type { Command } from 'commander';
import { rotateToken } from '../../daemon/auth-token.js';
import type { CliContext } from '../cli-context.js';
import { DaemonNotRunningError } from '../daemon-client.js';
import { ROUTES } from '../../protocol/routes.js';

/**
 * `credd token rotate`: the daemon's token (and every scoped token derived from it) is
 * replaced; a token that leaked stops working. Shells get the new one from `credd env`.
 */
export async function runTokenRotate(ctx: CliContext): Promise<void> {
  try {
    await ctx.daemon.post(ROUTES.control.tokenRotate);
  } catch (err) {
    if (!(err instanceof DaemonNotRunningError)) throw err;
    await rotateToken(ctx.paths.home, ctx.paths.token);
  }
  ctx.out.write('credd: new token in place; old ones are refused. In each open shell run: eval "$(credd env)"\n');
}

export function registerToken(program: Command, ctx: () => CliContext): void {
  const token = program.command('token').description('manage the token SDKs present to the daemon');
  token
    .command('rotate')
    .description('replace the token (and every profile-scoped token); shells pick it up with eval "$(credd env)"')
    .action(() => runTokenRotate(ctx()));
}
