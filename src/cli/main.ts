import type { Command } from 'commander';
import { CreddError } from '../domain/errors.js';
import { UnsafePathError } from '../platform/private-files.js';
import { terminalText } from '../platform/terminal-text.js';
import { creddVersion } from '../platform/version.js';
import { processContext, type CliContext } from './cli-context.js';
import { commandsFor, COMMANDS } from './command-table.js';
import { fastPath } from './fast-path.js';
import { EXIT_DAEMON_NOT_RUNNING } from '../protocol/exit-codes.js';

/** Errors in what was typed (flags and their values), not in the world: exit 2, as documented. */
const USAGE_ERRORS = new Set(['UnknownFormat', 'UnknownShell', 'UnknownPlatform', 'PlatformNeedsDryRun', 'NoTarget', 'InvalidProfileName', 'ImdsFollowsActive', 'Usage']);

export async function buildProgram(ctx: () => CliContext, argv: readonly string[] = []): Promise<Command> {
  const { Command } = await import('commander');
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

/** commander is loaded only when the fast path does not apply, so no `instanceof` here. */
function isCommanderError(err: unknown): err is { exitCode: number } {
  const e = err as { exitCode?: unknown; code?: unknown } | null;
  return typeof e?.exitCode === 'number' && typeof e.code === 'string' && e.code.startsWith('commander.');
}

/** Runs the CLI; every failure becomes one line on stderr and a non-zero exit code. */
export async function main(argv: string[] = process.argv): Promise<void> {
  let context: CliContext | undefined;
  const ctx = (): CliContext => (context ??= processContext());
  try {
    const fast = fastPath(argv);
    if (fast !== undefined) await fast(ctx);
    else await (await buildProgram(ctx, argv)).parseAsync(argv);
  } catch (err) {
    if (isCommanderError(err)) {
      // Help and --version exit 0; every other commander error is a usage error.
      process.exitCode = err.exitCode === 0 ? 0 : 2;
    } else if (err instanceof CreddError || err instanceof UnsafePathError) {
      process.stderr.write(`credd: ${terminalText(err.message)}\n`);
      process.exitCode = err.code === 'DaemonNotRunning' ? EXIT_DAEMON_NOT_RUNNING : USAGE_ERRORS.has(err.code) ? 2 : 1;
    } else {
      process.stderr.write(`credd: unexpected error: ${terminalText((err as Error).stack ?? String(err), 'lines')}\n`);
      process.exitCode = 1;
    }
  } finally {
    process.stdin.unref?.();
  }
}
