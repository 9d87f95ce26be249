import fs from 'node:fs/promises';
import { loadDaemonInfo } from '../daemon/daemon-info.js';
import { describeHolder } from '../daemon/tcp-defences.js';
import { checkPortHolder } from '../platform/peer-process.js';
import { readIfExists } from '../platform/private-files.js';
import { portFromEnv } from '../platform/settings.js';
import { terminalText } from '../platform/terminal-text.js';
import { writeFileAtomic } from '../platform/write-file-atomic.js';
import type { CliContext } from './cli-context.js';

/**
 * One warning line when credd's port is held by something that is not this user's credd
 * (another user squatting it while credd was down would receive every SDK's token), else
 * undefined. `thorough` also asks lsof on macOS (too slow for every shell start). The verdict
 * is also left in $CREDD_HOME/port-warning, where the prompt hook reads it with builtins.
 */
export async function portWarning(ctx: CliContext, thorough = false, port?: number): Promise<string | undefined> {
  const info = await loadDaemonInfo(ctx.paths.daemonInfo);
  const checked = port ?? info?.port ?? portFromEnv(ctx.env);
  const verdict = await checkPortHolder(checked, info?.pid, thorough);
  if (verdict.ok) {
    await recordPortWarning(ctx.paths.portWarning, undefined);
    return undefined;
  }
  const who = describeHolder(verdict.holder);
  const warning = verdict.foreignUser
    ? `WARNING: port ${checked} on 127.0.0.1 is held by ${who}, not by your credd; programs pointed at it would hand it their token. Stop using it: find out who runs it, or move credd with CREDD_PORT.`
    : `warning: port ${checked} on 127.0.0.1 is held by ${who}, which is not your running credd; programs pointed at it will not get credentials from credd.`;
  await recordPortWarning(ctx.paths.portWarning, warning);
  return warning;
}

/**
 * Writes (or removes) the prompt hook's port line; best effort, since the warning itself was
 * already said. The holder's command name is another user's text: no control character may
 * reach the terminal through the hook.
 */
export async function recordPortWarning(file: string, warning: string | undefined): Promise<void> {
  try {
    if (warning === undefined) {
      await fs.rm(file, { force: true });
      return;
    }
    const line = `${terminalText(warning)}\n`;
    if ((await readIfExists(file).catch(() => undefined)) === line) return;
    await writeFileAtomic(file, line);
  } catch {
    // A read-only or vanished CREDD_HOME: the warning was printed by the caller anyway.
  }
}
