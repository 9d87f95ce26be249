import type { Command } from 'commander';
import { errorMessage } from '../../domain/errors.js';
import type { DaemonStatus } from '../../protocol/control-api.js';
import type { CliContext } from '../cli-context.js';
import type { CheckResult } from '../doctor/check.js';
import { activeProfileCheck, daemonCheck, keychainCheck, serviceCheck, stsCheck } from '../doctor/daemon-checks.js';
import { permissionsCheck, shadowCheck, shellCheck } from '../doctor/environment-checks.js';
import { profileKindChecks } from '../doctor/profile-checks.js';

const MARK = { ok: '✓', warn: '!', fail: '✗' } as const;

/** Checks and explains, one line each with its fix; exit 1 when something is wrong. */
export async function runDoctor(ctx: CliContext): Promise<number> {
  let status: DaemonStatus | undefined;
  let daemonError: string | undefined;
  try {
    status = await ctx.daemon.get<DaemonStatus>('/v1/status');
  } catch (err) {
    daemonError = errorMessage(err);
  }
  const results: CheckResult[] = [
    daemonCheck(status, daemonError),
    ...activeProfileCheck(status),
    await permissionsCheck(ctx),
    await shellCheck(ctx, status),
    ...(await shadowCheck(ctx)),
    await keychainCheck(ctx),
    ...(await profileKindChecks(ctx)),
    await stsCheck(ctx, status),
    await serviceCheck(ctx),
  ];
  for (const r of results) ctx.out.write(`${MARK[r.status]} ${r.what}${r.fix ? `\n    fix: ${r.fix}` : ''}\n`);
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
