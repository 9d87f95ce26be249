import type { Command } from 'commander';
import { loadDaemonInfo } from '../../daemon/daemon-info.js';
import { CreddError } from '../../domain/errors.js';
import { portFromEnv } from '../../platform/settings.js';
import type { CliContext } from '../cli-context.js';
import { initSnippet } from '../shell-init.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;

/**
 * `credd init bash >> ~/.bashrc`: prints the shell integration once, for the rc file. Unlike
 * `eval "$(credd env)"` it starts no Node process in each new shell: the snippet reads the
 * token and port files itself. The state dir is written into it, quoted for the shell.
 */
export async function runInit(shell: string, ctx: CliContext): Promise<void> {
  if (!(SHELLS as readonly string[]).includes(shell)) throw new CreddError('UnknownShell', `No init snippet for shell "${shell}"; use bash, zsh or fish.`);
  // Used only until the daemon has written the port file once.
  const defaultPort = (await loadDaemonInfo(ctx.paths.daemonInfo))?.port ?? portFromEnv(ctx.env);
  ctx.out.write(initSnippet(shell as (typeof SHELLS)[number], ctx.paths, defaultPort));
}

export function registerInit(program: Command, ctx: () => CliContext): void {
  program
    .command('init')
    .description('print the shell integration for your rc file (no process per shell): credd init bash >> ~/.bashrc')
    .argument('<shell>', 'bash, zsh or fish')
    .action((shell: string) => runInit(shell, ctx()));
}
