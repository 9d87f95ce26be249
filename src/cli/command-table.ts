import type { Command } from 'commander';
import type { CliContext } from './cli-context.js';

export type Register = (program: Command, ctx: () => CliContext) => void;

/**
 * Every command, in `--help` order, with its aliases and how to load it. Only the invoked
 * command's module is loaded (start-up time: `credd env` runs in every new shell).
 */
export const COMMANDS: ReadonlyArray<{ names: readonly string[]; load: () => Promise<Register> }> = [
  { names: ['add'], load: async () => (await import('./commands/add.js')).registerAdd },
  { names: ['remove', 'rm'], load: async () => (await import('./commands/remove.js')).registerRemove },
  { names: ['list', 'ls'], load: async () => (await import('./commands/list.js')).registerList },
  { names: ['switch', 'use'], load: async () => (await import('./commands/switch.js')).registerSwitch },
  { names: ['mfa'], load: async () => (await import('./commands/mfa.js')).registerMfa },
  { names: ['login', 'logout'], load: async () => (await import('./commands/login.js')).registerLogin },
  { names: ['clear'], load: async () => (await import('./commands/clear.js')).registerClear },
  { names: ['unlock', 'lock'], load: async () => (await import('./commands/unlock.js')).registerUnlock },
  { names: ['status'], load: async () => (await import('./commands/status.js')).registerStatus },
  { names: ['init'], load: async () => (await import('./commands/init.js')).registerInit },
  { names: ['env'], load: async () => (await import('./commands/env.js')).registerEnv },
  { names: ['exec'], load: async () => (await import('./commands/exec.js')).registerExec },
  { names: ['export'], load: async () => (await import('./commands/export.js')).registerExport },
  { names: ['console'], load: async () => (await import('./commands/console.js')).registerConsole },
  { names: ['import'], load: async () => (await import('./commands/import.js')).registerImport },
  { names: ['rotate'], load: async () => (await import('./commands/rotate.js')).registerRotate },
  { names: ['token'], load: async () => (await import('./commands/token.js')).registerToken },
  { names: ['audit'], load: async () => (await import('./commands/audit.js')).registerAudit },
  { names: ['logs'], load: async () => (await import('./commands/logs.js')).registerLogs },
  { names: ['doctor'], load: async () => (await import('./commands/doctor.js')).registerDoctor },
  { names: ['daemon'], load: async () => (await import('./commands/daemon.js')).registerDaemon },
  { names: ['stop'], load: async () => (await import('./commands/stop.js')).registerStop },
  { names: ['service'], load: async () => (await import('./commands/service.js')).registerService },
  { names: ['completion'], load: async () => (await import('./commands/completion.js')).registerCompletion },
];

/** The command named on the command line, or every command (for help, errors, completion). */
export function commandsFor(argv: readonly string[]): typeof COMMANDS {
  const first = argv.slice(2).find((a) => !a.startsWith('-'));
  const hit = COMMANDS.find((c) => first !== undefined && c.names.includes(first));
  return hit && first !== 'completion' ? [hit] : COMMANDS;
}
