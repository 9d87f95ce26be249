import { CreddError } from '../domain/errors.js';
import { UnsafePathError } from '../platform/private-files.js';
import { terminalText } from '../platform/terminal-text.js';
import { EXIT_DAEMON_NOT_RUNNING } from '../protocol/exit-codes.js';
import { processContext, type CliContext, type StoreOpener } from './cli-context.js';
import { processPrompt } from './prompt.js';

/** Errors in what was typed (flags and their values), not in the world: exit 2, as documented. */
const USAGE_ERRORS = new Set(['UnknownFormat', 'UnknownShell', 'UnknownPlatform', 'PlatformNeedsDryRun', 'NoTarget', 'InvalidProfileName', 'ImdsFollowsActive', 'Usage']);

/** commander is loaded only when the fast path does not apply, so no `instanceof` here. */
function isCommanderError(err: unknown): err is { exitCode: number } {
  const e = err as { exitCode?: unknown; code?: unknown } | null;
  return typeof e?.exitCode === 'number' && typeof e.code === 'string' && e.code.startsWith('commander.');
}

/**
 * Runs one command with the process's context (made on first use); every failure becomes one
 * line on stderr and a non-zero exit code. Without `openStore` the command cannot open the
 * secret store (the fast path: none of its commands does).
 */
export async function runCli(run: (ctx: () => CliContext) => Promise<void>, openStore?: StoreOpener): Promise<void> {
  let context: CliContext | undefined;
  const prompt = processPrompt();
  const ctx = (): CliContext => (context ??= processContext(openStore, prompt));
  try {
    await run(ctx);
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
    // A question left stdin open: it must not keep the process alive.
    if (prompt.opened) process.stdin.unref?.();
  }
}
