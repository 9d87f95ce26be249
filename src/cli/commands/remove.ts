import type { Command } from 'commander';
import { CreddError } from '../../domain/errors.js';
import { SecretOps } from '../../daemon/secret-ops.js';
import type { CliContext } from '../cli-context.js';
import { secretsView, viaDaemon } from '../secret-client.js';
import { PROFILE_ARG, validProfileName } from './profile-name.js';
import { ROUTES } from '../../protocol/routes.js';

export async function runRemove(input: { profile: string; force: boolean }, ctx: CliContext): Promise<void> {
  const profile = validProfileName(input.profile);
  const view = await secretsView(ctx);
  if (!view.keys.includes(profile)) throw new CreddError('NoKey', `Profile "${profile}" has no key in credd; nothing to remove.`);
  if (!input.force) {
    if (!ctx.prompt.interactive) throw new CreddError('ConfirmationNeeded', 'Refusing to delete a key without a terminal to confirm; add --force.');
    const answer = (await ctx.prompt.ask(`Delete the key of "${profile}" from the ${view.store.description}? [y/N] `)).trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes') {
      ctx.out.write('Nothing deleted.\n');
      return;
    }
  }
  await viaDaemon(
    ctx,
    () => ctx.daemon.post<{ deleted: boolean }>(ROUTES.control.keysRemove, { profile }),
    async (store) => ({ deleted: await new SecretOps(store).removeKey(profile) }),
  );
  ctx.out.write(`Deleted the key of "${profile}".\n`);
}

export function registerRemove(program: Command, ctx: () => CliContext): void {
  program
    .command('remove')
    .alias('rm')
    .description("delete a profile's access key from the keychain")
    .argument(PROFILE_ARG, 'profile name')
    .option('-f, --force', 'do not ask for confirmation', false)
    .action((profile: string, opts: { force: boolean }) => runRemove({ profile, force: opts.force }, ctx()));
}
