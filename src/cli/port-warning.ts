import { loadDaemonInfo } from '../daemon/daemon-info.js';
import { describeHolder } from '../daemon/tcp-defences.js';
import { checkPortHolder } from '../platform/peer-process.js';
import { portFromEnv } from '../platform/settings.js';
import type { CliContext } from './cli-context.js';

/**
 * One warning line when credd's port is held by something that is not this user's credd
 * (another user squatting it while credd was down would receive every SDK's token), else
 * undefined. `thorough` also asks lsof on macOS (too slow for every shell start).
 */
export async function portWarning(ctx: CliContext, thorough = false): Promise<string | undefined> {
  const info = await loadDaemonInfo(ctx.paths.daemonInfo);
  const port = info?.port ?? portFromEnv(ctx.env);
  const verdict = await checkPortHolder(port, info?.pid, thorough);
  if (verdict.ok) return undefined;
  const who = describeHolder(verdict.holder);
  return verdict.foreignUser
    ? `WARNING: port ${port} on 127.0.0.1 is held by ${who}, not by your credd; programs pointed at it would hand it their token. Stop using it: find out who runs it, or move credd with CREDD_PORT.`
    : `warning: port ${port} on 127.0.0.1 is held by ${who}, which is not your running credd; programs pointed at it will not get credentials from credd.`;
}
