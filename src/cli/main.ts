import type { Command } from 'commander';
import { terminalText } from '../platform/terminal-text.js';
import type { CliContext, StoreOpener } from './cli-context.js';
import { fastPath } from './fast-path.js';
import { runCli } from './run-cli.js';

export async function buildProgram(ctx: () => CliContext, argv: readonly string[] = []): Promise<Command> {
  // Loaded here, not at the top: the fast path needs none of them.
  const [{ Command }, { commandsFor, COMMANDS }, { creddVersion }] = await Promise.all([import('commander'), import('./command-table.js'), import('../platform/version.js')]);
  const program = new Command('credd')
    .description('Short-lived AWS role credentials from keys in your OS keychain, served by a local daemon.')
    .version(creddVersion())
    // One line of help after a usage error, not the whole list (commander still suggests a near command).
    .showHelpAfterError("(run 'credd --help' for the commands, 'credd COMMAND --help' for one)")
    .enablePositionalOptions()
    // Commander's own messages repeat what was typed: escaped like everything else credd prints.
    .configureOutput({ writeOut: (s) => process.stdout.write(terminalText(s, 'lines')), writeErr: (s) => process.stderr.write(terminalText(s, 'lines')) })
    .exitOverride();
  const wanted = argv.length > 0 ? commandsFor(argv) : COMMANDS;
  for (const register of await Promise.all(wanted.map((c) => c.load()))) register(program, ctx);
  return program;
}

/** Runs the CLI; every failure becomes one line on stderr and a non-zero exit code. */
export async function main(argv: string[] = process.argv): Promise<void> {
  await runCli(async (ctx) => {
    const fast = fastPath(argv);
    if (fast !== undefined) await fast(ctx);
    else await (await buildProgram(ctx, argv)).parseAsync(argv);
  }, openStore);
}

/** The native keychain module loads only for commands that open the store. */
const openStore: StoreOpener = (paths, env, prompt) =>
  import('../daemon/store-from-env.js').then(({ storeFromEnv }) => storeFromEnv(paths, env, () => prompt.ask('Passphrase for the credd file store: ', { secret: true })));
