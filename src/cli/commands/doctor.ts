import type { Command } from 'commander';
import { errorMessage } from '../../domain/errors.js';
import type { DaemonStatus } from '../../protocol/control-api.js';
import type { CliContext } from '../cli-context.js';
import { fail, ok, type CheckResult } from '../doctor/check.js';
import { portWarning } from '../port-warning.js';
import { activeProfileCheck, daemonCheck, keychainCheck, serviceCheck, stsCheck } from '../doctor/daemon-checks.js';
import { regionCheck } from '../doctor/region-check.js';
import { permissionsCheck, shadowCheck, shellCheck } from '../doctor/environment-checks.js';
import { profileKindChecks } from '../doctor/profile-checks.js';
import { ROUTES } from '../../protocol/routes.js';
import { terminalText } from '../../platform/terminal-text.js';

/** Fails when the port is held by something other than this user's credd (port squatting). */
async function portCheck(ctx: CliContext): Promise<CheckResult> {
  const warning = await portWarning(ctx, true);
  return warning === undefined ? ok('credd\'s port is free or held by your credd') : fail(warning, 'stop the process holding the port, or set CREDD_PORT to another port');
}

const MARK = { ok: '✓', warn: '!', fail: '✗' } as const;

/** Checks and explains, one line each with its fix; exit 1 when something is wrong. */
export async function runDoctor(ctx: CliContext): Promise<number> {
  let status: DaemonStatus | undefined;
  let daemonError: string | undefined;
  try {
    status = await ctx.daemon.get<DaemonStatus>(ROUTES.control.status);
  } catch (err) {
    daemonError = errorMessage(err);
  }
  const results: CheckResult[] = [
    daemonCheck(status, daemonError),
    await portCheck(ctx),
    ...activeProfileCheck(status),
    await permissionsCheck(ctx),
    await shellCheck(ctx, status),
    ...(await shadowCheck(ctx)),
    await keychainCheck(ctx),
    await regionCheck(ctx, status),
    ...(await profileKindChecks(ctx)),
    await stsCheck(ctx, status),
    await serviceCheck(ctx),
  ];
  // A check repeats profile names, paths and error messages from elsewhere: each stays on its line.
  for (const r of results) ctx.out.write(`${MARK[r.status]} ${terminalText(r.what)}${r.fix ? `\n    fix: ${terminalText(r.fix)}` : ''}\n`);
  const failed = results.filter((r) => r.status === 'fail').length;
  ctx.out.write(failed === 0 ? 'All good.\n' : `${failed} problem${failed === 1 ? '' : 's'} found.\n`);
  return failed === 0 ? 0 : 1;
}

export function registerDoctor(program: Command, ctx: () => CliContext): void {
  program
    .command('doctor')
    .description('check the daemon, this shell, the keychain, STS and the service; one line each with a fix')
    .action(async () => {
      process.exitCode = await runDoctor(ctx());
    });
}
