import { Command, CommanderError } from 'commander';
import { CreddError } from '../domain/errors.js';
import { creddVersion } from '../platform/version.js';
import { processContext, type CliContext } from './cli-context.js';
import { registerAdd } from './commands/add.js';
import { registerAudit } from './commands/audit.js';
import { registerClear } from './commands/clear.js';
import { registerCompletion } from './commands/completion.js';
import { registerConsole } from './commands/console.js';
import { registerDaemon } from './commands/daemon.js';
import { registerDoctor } from './commands/doctor.js';
import { registerEnv } from './commands/env.js';
import { registerExec } from './commands/exec.js';
import { registerExport } from './commands/export.js';
import { registerImport } from './commands/import.js';
import { registerList } from './commands/list.js';
import { registerLogs } from './commands/logs.js';
import { registerMfa } from './commands/mfa.js';
import { registerRemove } from './commands/remove.js';
import { registerRotate } from './commands/rotate.js';
import { registerService } from './commands/service.js';
import { registerStatus } from './commands/status.js';
import { registerStop } from './commands/stop.js';
import { registerSwitch } from './commands/switch.js';

export function buildProgram(ctx: () => CliContext): Command {
  const program = new Command('credd')
    .description('Short-lived AWS role credentials from keys in your OS keychain, served by a local daemon.')
    .version(creddVersion())
    .showHelpAfterError()
    .exitOverride();
  for (const register of [registerAdd, registerRemove, registerList, registerSwitch, registerMfa, registerClear, registerStatus, registerEnv, registerExec, registerExport, registerConsole, registerImport, registerRotate, registerAudit, registerLogs, registerDoctor, registerDaemon, registerStop, registerService, registerCompletion]) {
    register(program, ctx);
  }
  return program;
}

/** Runs the CLI; every failure becomes one line on stderr and a non-zero exit code. */
export async function main(argv: string[] = process.argv): Promise<void> {
  let context: CliContext | undefined;
  const ctx = (): CliContext => (context ??= processContext());
  try {
    await buildProgram(ctx).parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
    } else if (err instanceof CreddError) {
      process.stderr.write(`credd: ${err.message}\n`);
      process.exitCode = err.code === 'DaemonNotRunning' ? 3 : 1;
    } else {
      process.stderr.write(`credd: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    }
  } finally {
    process.stdin.unref?.();
  }
}
