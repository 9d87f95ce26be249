import type { CliContext } from './cli-context.js';

type Run = (ctx: () => CliContext) => Promise<void>;

/**
 * The commands run most often, in their plain forms: `credd status [--json]`, `credd switch P`
 * (every role change) and `credd export P [--format json|env]` (`credential_process` runs it for
 * every SDK client start). These skip commander (its modules are a good share of a command's
 * start-up) and call the same run function the registered command calls. Any other shape,
 * including help, unknown flags and `--`, goes through commander as before.
 */
export function fastPath(argv: readonly string[]): Run | undefined {
  const [cmd, ...rest] = argv.slice(2);
  const plain = (s: string | undefined): s is string => s !== undefined && s !== '' && !s.startsWith('-');
  if (cmd === 'status' && (rest.length === 0 || (rest.length === 1 && rest[0] === '--json'))) {
    return async (ctx) => {
      const { runStatus } = await import('./commands/status.js');
      process.exitCode = await runStatus({ json: rest.length === 1 }, ctx());
    };
  }
  if ((cmd === 'switch' || cmd === 'use') && rest.length === 1 && plain(rest[0])) {
    const profile = rest[0];
    return async (ctx) => {
      await (await import('./commands/switch.js')).runSwitch({ profile }, ctx());
    };
  }
  if (cmd === 'export' && plain(rest[0])) {
    const profile = rest[0];
    const format = rest.length === 1 ? 'json' : rest.length === 3 && rest[1] === '--format' && plain(rest[2]) ? rest[2] : undefined;
    if (format === undefined) return undefined;
    return async (ctx) => (await import('./commands/export.js')).runExport({ profile, format }, ctx());
  }
  return undefined;
}
