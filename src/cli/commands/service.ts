import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { CreddError } from '../../domain/errors.js';
import type { CliContext } from '../cli-context.js';
import { defaultPlanInput, LAUNCHD_LABEL, servicePlan, SYSTEMD_UNIT, type ServicePlan } from '../service/service-plan.js';

/** The built CLI entry, as an absolute path: what the service must run after an upgrade too. */
const CREDD_ENTRY = fileURLToPath(new URL('../../bin/credd.js', import.meta.url));

function exec(argv: string[]): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile(argv[0] ?? '', argv.slice(1), { timeout: 20_000 }, (err, stdout, stderr) => resolve({ ok: !err, out: `${stdout}${stderr}`.trim() }));
  });
}

function plan(ctx: CliContext, platform?: string): ServicePlan {
  const input = defaultPlanInput(ctx.env, CREDD_ENTRY);
  if (platform !== undefined && platform !== 'launchd' && platform !== 'systemd') {
    throw new CreddError('UnknownPlatform', `--platform takes launchd or systemd, not "${platform}".`);
  }
  return servicePlan(platform === undefined ? input : { ...input, platform });
}

function printPlan(ctx: CliContext, p: ServicePlan, commands: string[][], write: boolean): void {
  if (write) ctx.out.write(`# would write ${p.file} (mode 0644):\n${p.content}\n`);
  else ctx.out.write(`# would remove ${p.file}\n`);
  ctx.out.write(`# would run:\n${commands.map((c) => c.join(' ')).join('\n')}\n`);
}

export interface ServiceInput {
  dryRun: boolean;
  /** Render the other platform's file (with --dry-run), e.g. to check the plist on Linux. */
  platform?: string;
}

function checkPlatform(input: ServiceInput): void {
  if (input.platform !== undefined && !input.dryRun) throw new CreddError('PlatformNeedsDryRun', '--platform only goes with --dry-run.');
}

export async function runServiceInstall(input: ServiceInput, ctx: CliContext): Promise<void> {
  checkPlatform(input);
  const p = plan(ctx, input.platform);
  if (input.dryRun) return printPlan(ctx, p, p.install, true);
  await fs.mkdir(path.dirname(p.file), { recursive: true });
  if (p.logFile) await fs.mkdir(path.dirname(p.logFile), { recursive: true, mode: 0o700 });
  await fs.writeFile(p.file, p.content, { mode: 0o644 });
  for (const [i, argv] of p.install.entries()) {
    const r = await exec(argv);
    // The first launchd step unloads an older copy; "not loaded" is fine there.
    if (!r.ok && !(p.platform === 'launchd' && i === 0)) throw new CreddError('ServiceFailed', `${argv.join(' ')} failed: ${r.out || 'no output'}`);
  }
  for (let i = 0; i < 100; i++) {
    try {
      await ctx.daemon.get('/v1/status');
      ctx.out.write(`credd runs as a ${p.platform === 'launchd' ? 'LaunchAgent' : 'systemd user service'} (${p.file}); it starts at login.\n`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new CreddError('ServiceNotAnswering', `The service was installed (${p.file}) but the daemon did not answer within 10 s; see: credd logs`);
}

export async function runServiceUninstall(input: ServiceInput, ctx: CliContext): Promise<void> {
  checkPlatform(input);
  const p = plan(ctx, input.platform);
  if (input.dryRun) return printPlan(ctx, p, p.uninstall, false);
  for (const argv of p.uninstall) await exec(argv);
  await fs.rm(p.file, { force: true });
  if (p.platform === 'systemd') await exec(['systemctl', '--user', 'daemon-reload']);
  ctx.out.write(`Removed ${p.file}; credd no longer starts at login.\n`);
}

export async function runServiceStatus(ctx: CliContext): Promise<void> {
  const p = plan(ctx);
  const installed = await fs.access(p.file).then(() => true, () => false);
  let state = 'unknown';
  if (p.platform === 'launchd') {
    const r = await exec(['launchctl', 'print', `gui/${process.getuid?.() ?? 0}/${LAUNCHD_LABEL}`]);
    const pid = /\bpid = (\d+)/.exec(r.out)?.[1];
    state = !r.ok ? 'not loaded' : pid ? `loaded, running (pid ${pid})` : 'loaded, not running';
  } else {
    const r = await exec(['systemctl', '--user', 'show', SYSTEMD_UNIT, '-p', 'LoadState', '-p', 'ActiveState', '-p', 'MainPID']);
    const v = Object.fromEntries(r.out.split('\n').map((l) => l.split('=') as [string, string]));
    state = !r.ok ? 'systemd not reachable' : `${v['LoadState'] ?? '?'}, ${v['ActiveState'] ?? '?'}${v['MainPID'] && v['MainPID'] !== '0' ? ` (pid ${v['MainPID']})` : ''}`;
  }
  ctx.out.write(`${p.platform}: ${installed ? `installed at ${p.file}` : 'not installed (credd service install)'}; ${state}\n`);
}

export function registerService(program: Command, ctx: () => CliContext): void {
  const service = program.command('service').description('run credd at login (launchd on macOS, a systemd user unit on Linux)');
  service
    .command('install')
    .description('install and start the service; safe to re-run (updates paths after an upgrade)')
    .option('--dry-run', 'print the file and the commands instead of running them', false)
    .option('--platform <name>', 'with --dry-run: launchd or systemd (default: this machine)')
    .action((opts: ServiceInput) => runServiceInstall(opts, ctx()));
  service
    .command('uninstall')
    .description('stop the service and remove its file')
    .option('--dry-run', 'print what would be removed and run', false)
    .option('--platform <name>', 'with --dry-run: launchd or systemd (default: this machine)')
    .action((opts: ServiceInput) => runServiceUninstall(opts, ctx()));
  service
    .command('status')
    .description('is the service installed, loaded and running')
    .action(() => runServiceStatus(ctx()));
}
