import type { Command } from 'commander';
import type { DaemonStatus, ProfileStatus } from '../../protocol/control-api.js';
import type { CliContext } from '../cli-context.js';
import { DaemonNotRunningError } from '../daemon-client.js';
import { clockTime, relative } from '../format-time.js';
import { terminalText as t } from '../../platform/terminal-text.js';
import { ROUTES } from '../../protocol/routes.js';
import { EXIT_DAEMON_NOT_RUNNING } from '../../protocol/exit-codes.js';

export async function runStatus(input: { json: boolean }, ctx: CliContext): Promise<number> {
  let status: DaemonStatus;
  try {
    status = await ctx.daemon.get<DaemonStatus>(ROUTES.control.status);
  } catch (err) {
    if (!(err instanceof DaemonNotRunningError)) throw err;
    const warning = await (await import('../port-warning.js')).portWarning(ctx, true);
    if (input.json) ctx.out.write(`${JSON.stringify({ running: false, message: err.message, ...(warning !== undefined && { warning }) })}\n`);
    else ctx.out.write(`${t(err.message)}\n${warning !== undefined ? `${t(warning)}\n` : ''}`);
    return EXIT_DAEMON_NOT_RUNNING;
  }
  if (input.json) {
    ctx.out.write(`${JSON.stringify(status)}\n`);
    return 0;
  }
  const warning = await runningDaemonPortWarning(ctx);
  if (warning !== undefined) ctx.err.write(`credd: ${t(warning)}\n`);
  const lines = [`credd daemon running: pid ${status.pid}, 127.0.0.1:${status.port}, since ${clockTime(status.startedAt)}, version ${status.version}`];
  // Every field below may come from the config file, STS or the keychain: each is escaped whole.
  lines.push(`keys in: ${t(status.store)}; profiles from: ${t(status.configFile)}`);
  if (status.storeState?.locked === true) lines.push(`secret store: ${t(status.storeState.message ?? 'locked: run credd unlock')}`);
  const active = status.profiles.find((p) => p.active);
  if (status.activeProfile === null) lines.push('active profile: none — run: credd switch PROFILE');
  else lines.push(`active profile: ${t(status.activeProfile)}${active ? ` — ${describe(active)}` : ''}`);
  for (const p of status.profiles.filter((x) => !x.active && x.scoped === undefined)) lines.push(`  ${t(p.name)}: ${describe(p)}`);
  for (const p of status.profiles.filter((x) => x.scoped !== undefined)) lines.push(`  ${scopedName(p)}: ${describe(p)}`);
  for (const m of status.mfa) {
    const state = m.neededSince
      ? `MFA code needed since ${clockTime(m.neededSince)}${m.neededFor ? ` (for ${t(m.neededFor)}) — run: credd switch ${t(m.neededFor)}` : ''}`
      : m.expiration
        ? `MFA session until ${clockTime(m.expiration)} (${relative(m.expiration)})`
        : 'no MFA session';
    lines.push(`MFA ${t(m.profile)} (${t(m.serial)}): ${state}`);
  }
  lines.push(`requests served: ${status.stats.requests} (${status.stats.servedFromCache} from cache, ${status.stats.waitedOnSts} waited on STS)`);
  ctx.out.write(`${lines.join('\n')}\n`);
  return 0;
}

/**
 * The port check once the daemon has answered. On Linux it cannot find anything: while our
 * daemon listens on 127.0.0.1:PORT the kernel refuses every other bind that could take
 * connections to that address (127.0.0.1, 0.0.0.0, an IPv4-mapped or dual-stack [::] socket:
 * EADDRINUSE; sharing through SO_REUSEPORT needs the same effective uid and the option on our
 * socket too, socket(7)); only an IPv6-only [::] socket may bind, and it never receives a
 * connection to 127.0.0.1. Reading the socket tables costs more than the rest of the command
 * (each read of /proc/net/tcp walks the kernel's whole connection hash). Elsewhere (macOS:
 * lsof) the check stays; `credd doctor` always makes it. Loaded only when made (eight modules).
 */
async function runningDaemonPortWarning(ctx: CliContext): Promise<string | undefined> {
  return process.platform === 'linux' ? undefined : (await import('../port-warning.js')).portWarning(ctx, true);
}

/** A down-scoped exec slot: its profile, what narrows it, and how many running execs use it. */
function scopedName(p: ProfileStatus): string {
  const s = p.scoped;
  if (!s) return t(p.name);
  const execs = s.execs === 1 ? '1 exec' : `${s.execs} execs`;
  return `${t(s.profile)} [scope: ${t(s.scope ?? 'session name only')}; ${execs}]`;
}

function describe(p: ProfileStatus): string {
  const parts: string[] = [];
  if (p.expiration && p.freshness !== 'expired') parts.push(`credentials until ${clockTime(p.expiration)} (${relative(p.expiration)})`);
  else parts.push('no valid credentials cached');
  if (p.assumedRoleArn) parts.push(t(p.assumedRoleArn));
  if (p.refreshing) parts.push('refreshing now');
  if (p.lastError) parts.push(`last error ${relative(p.lastError.at)}: ${t(p.lastError.message)}`);
  return parts.join('; ');
}

export function registerStatus(program: Command, ctx: () => CliContext): void {
  program
    .command('status')
    .description('show whether the daemon runs, the active profile and when its credentials expire')
    .option('--json', 'print one JSON object', false)
    .action(async (opts: { json: boolean }) => {
      process.exitCode = await runStatus(opts, ctx());
    });
}
