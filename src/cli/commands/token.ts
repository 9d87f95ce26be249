import type { Command } from 'commander';
import { rotateToken } from '../../daemon/auth-token.js';
import type { CliContext } from '../cli-context.js';
import { DaemonNotRunningError } from '../daemon-client.js';
import { ROUTES } from '../../protocol/routes.js';

/**
 * `credd token rotate`: the daemon's token (and every scoped token derived from it) is
 * replaced; a token that leaked stops working. Shells with the `credd init` snippet read the new
 * one at their next prompt; others get it from `credd env`.
 */
export async function runTokenRotate(ctx: CliContext): Promise<void> {
  try {
    await ctx.daemon.post(ROUTES.control.tokenRotate);
  } catch (err) {
    if (!(err instanceof DaemonNotRunningError)) throw err;
    await rotateToken(ctx.paths.home, ctx.paths.token);
  }
  ctx.out.write('credd: new token in place; old ones are refused. Shells set up with `credd init` take it at their next prompt; in others run: eval "$(credd env)"\n');
}

export function registerToken(program: Command, ctx: () => CliContext): void {
  const token = program.command('token').description('manage the token SDKs present to the daemon');
  token
    .command('rotate')
    .description('replace the token (and every profile-scoped token); credd init shells pick it up at the next prompt, others with eval "$(credd env)"')
    .action(() => runTokenRotate(ctx()));
}
