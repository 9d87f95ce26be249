import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { CreddError } from '../../domain/errors.js';
import type { DaemonStatus } from '../../protocol/control-api.js';
import type { CliContext } from '../cli-context.js';
import { guiEnvCommands } from '../service/gui-env.js';
import { installService, managerPid, type ServiceHost } from '../service/install-service.js';
import { defaultPlanInput, describeStep, servicePlan, type PlanInput, type ServicePlan } from '../service/service-plan.js';
import { ROUTES } from '../../protocol/routes.js';

/** The built CLI entry, as an absolute path: what the service must run after an upgrade too. */
export const CREDD_ENTRY = fileURLToPath(new URL('../../bin/credd.js', import.meta.url));

/** Runs a command without a shell; a missing binary is exit 127, as a shell would say. */
export function execIn(env: NodeJS.ProcessEnv) {
  return (argv: string[]): Promise<{ code: number; out: string }> =>
    new Promise((resolve) => {
      execFile(argv[0] ?? '', argv.slice(1), { timeout: 20_000, env }, (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
        const code = !e ? 0 : typeof e.code === 'number' ? e.code : e.code === 'ENOENT' ? 127 : 1;
        resolve({ code, out: `${stdout}${stderr}`.trim() || (e?.code === 'ENOENT' ? `${argv[0]}: command not found` : '') });
      });
    });
}

export function processHost(ctx: CliContext): ServiceHost {
  return {
    run: execIn(ctx.env),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    daemonPid: () => ctx.daemon.get<DaemonStatus>(ROUTES.control.status).then((s) => s.pid, () => undefined),
    stopDaemon: () => ctx.daemon.post(ROUTES.control.stop).then(() => undefined, () => undefined),
  };
}

export interface ServiceInput {
  dryRun: boolean;
  /** Render the other platform's file (with --dry-run), e.g. to check the plist on Linux. */
  platform?: string;
  guiEnv?: boolean;
}

/** What tests replace: the platform (to run the launchd path on Linux) and the host. */
export interface ServiceDeps {
  plan?: Partial<PlanInput>;
  host?: ServiceHost;
}

function plan(ctx: CliContext, platform: string | undefined, deps: ServiceDeps): ServicePlan {
  if (platform !== undefined && platform !== 'launchd' && platform !== 'systemd') {
    throw new CreddError('UnknownPlatform', `--platform takes launchd or systemd, not "${platform}".`);
  }
  const input: PlanInput = { ...defaultPlanInput(ctx.env, CREDD_ENTRY), ...deps.plan };
  return servicePlan(platform === undefined ? input : { ...input, platform });
}

function checkPlatform(input: ServiceInput): void {
  if (input.platform !== undefined && !input.dryRun) throw new CreddError('PlatformNeedsDryRun', '--platform only goes with --dry-run.');
}

export async function runServiceInstall(input: ServiceInput, ctx: CliContext, deps: ServiceDeps = {}): Promise<void> {
  checkPlatform(input);
  const p = plan(ctx, input.platform, deps);
  if (p.note) ctx.err.write(`credd: ${p.note}\n`);
  const gui = (port: number) => (input.guiEnv ? guiEnvCommands(p.platform, port, ctx.paths.token).set : []);
  if (input.dryRun) {
    ctx.out.write(`# would write ${p.file} (mode 0644):\n${p.content}\n`);
    const commands = [...p.install.map(describeStep), ...gui(Number(ctx.env['CREDD_PORT'] || 9911)).map((c) => c.join(' '))];
    ctx.out.write(`# would run:\n${commands.join('\n')}\n`);
    return;
  }
  const host = deps.host ?? processHost(ctx);
  const result = await installService(p, host);
  if (result.replaced !== undefined) ctx.err.write(`credd: stopped the daemon started by hand (pid ${result.replaced}); the service runs credd now.\n`);
  ctx.out.write(`credd runs as a ${p.platform === 'launchd' ? 'LaunchAgent' : 'systemd user service'} (${p.file}), pid ${result.pid}; it starts at login.\n`);
  if (!input.guiEnv) return;
  const status = await ctx.daemon.get<DaemonStatus>(ROUTES.control.status);
  for (const argv of gui(status.port)) {
    const r = await host.run(argv);
    if (r.code !== 0) throw new CreddError('GuiEnvFailed', `${argv.slice(0, 3).join(' ')} failed: ${r.out || `exit ${r.code}`}`);
  }
  ctx.out.write('Apps started from now on in this login session (Dock, Finder, IDEs) ask credd too; re-run with --gui-env after the next login.\n');
}

export async function runServiceUninstall(input: ServiceInput, ctx: CliContext, deps: ServiceDeps = {}): Promise<void> {
  checkPlatform(input);
  const p = plan(ctx, input.platform, deps);
  const unset = guiEnvCommands(p.platform, 0, ctx.paths.token).unset;
  if (input.dryRun) {
    ctx.out.write(`# would remove ${p.file}\n`);
    ctx.out.write(`# would run:\n${[...p.uninstall, ...unset].map((c) => c.join(' ')).join('\n')}\n`);
    return;
  }
  const host = deps.host ?? processHost(ctx);
  for (const argv of [...p.uninstall, ...unset]) await host.run(argv);
  await fs.rm(p.file, { force: true });
  if (p.platform === 'systemd') await host.run(['systemctl', '--user', 'daemon-reload']);
  ctx.out.write(`Removed ${p.file}; credd no longer starts at login.\n`);
}

export async function runServiceStatus(ctx: CliContext, deps: ServiceDeps = {}): Promise<void> {
  const p = plan(ctx, undefined, deps);
  const host = deps.host ?? processHost(ctx);
  const installed = await fs.access(p.file).then(() => true, () => false);
  const r = await host.run(p.status);
  const pid = r.code === 0 ? managerPid(p, r.out) : undefined;
  const state = r.code !== 0 ? (p.platform === 'launchd' ? 'not loaded' : 'systemd not reachable') : pid !== undefined ? `loaded, running (pid ${pid})` : 'loaded, not running';
  ctx.out.write(`${p.platform}: ${installed ? `installed at ${p.file}` : 'not installed (credd service install)'}; ${state}\n`);
}

export function registerService(program: Command, ctx: () => CliContext): void {
  const service = program.command('service').description('run credd at login (launchd on macOS, a systemd user unit on Linux)');
  service
    .command('install')
    .description('install and start the service; safe to re-run (updates paths after an upgrade)')
    .option('--dry-run', 'print the file and the commands instead of running them', false)
    .option('--platform <name>', 'with --dry-run: launchd or systemd (default: this machine)')
    .option('--gui-env', 'also point apps started from the Dock/desktop at credd for this login session', false)
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
