import type { Command } from 'commander';
import { CreddError } from '../../domain/errors.js';
import type { DaemonStatus, StoreStatus } from '../../protocol/control-api.js';
import type { CliContext } from '../cli-context.js';
import { daemonClient } from '../daemon-client.js';
import { ROUTES } from '../../protocol/routes.js';

/** A keychain dialog may be waiting for the user while unlock runs: give it the helper's minutes. */
const UNLOCK_WAIT_MS = 6 * 60_000;

/**
 * `credd unlock`: the encrypted file store's passphrase (asked on a terminal, or one line of
 * stdin) goes to the daemon over the 0600 control socket; for the keychain it lets the daemon
 * ask the keychain again after a denial, a lock or an unanswered dialog.
 */
export async function runUnlock(ctx: CliContext): Promise<void> {
  const status = await ctx.daemon.get<DaemonStatus>(ROUTES.control.status);
  let passphrase: string | undefined;
  if (status.storeState?.needsPassphrase === true) {
    passphrase = await ctx.prompt.ask('Passphrase for the credd file store: ', { secret: true });
    if (passphrase === '') throw new CreddError('EmptyPassphrase', 'No passphrase was given; nothing was unlocked.');
  }
  const slow = daemonClient(ctx.paths.controlSocket, UNLOCK_WAIT_MS);
  const after = await slow.post<StoreStatus>(ROUTES.control.unlock, passphrase === undefined ? {} : { passphrase });
  if (after.locked) throw new CreddError('StillLocked', after.message ?? `The ${after.description} is still locked.`);
  ctx.out.write(`Unlocked: the daemon can use the ${after.description} again.\n`);
}

/** `credd lock`: the panic button. The daemon forgets every secret it holds until `credd unlock`. */
export async function runLock(ctx: CliContext): Promise<void> {
  const after = await ctx.daemon.post<StoreStatus>(ROUTES.control.lock);
  ctx.out.write(`Locked: the daemon forgot every cached key, session and credential and will not read the ${after.description} until: credd unlock\n`);
}

export function registerUnlock(program: Command, ctx: () => CliContext): void {
  program
    .command('unlock')
    .description('let the daemon use its secret store again: the file store passphrase (asked, or one line on stdin), or another try at the keychain')
    .action(() => runUnlock(ctx()));
  program
    .command('lock')
    .description('make the daemon forget every cached secret and stop reading the secret store until credd unlock')
    .action(() => runLock(ctx()));
}
