import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadAwsConfig } from '../../config/aws-config.js';
import { resolveProfile } from '../../config/resolve-profile.js';
import { errorMessage } from '../../domain/errors.js';
import type { DaemonStatus } from '../../protocol/control-api.js';
import { isWsl } from '../../keychain/wsl.js';
import type { CliContext } from '../cli-context.js';
import { installedCommand, type InstalledCommand } from '../service/installed-command.js';
import { realpathOrUndefined } from '../service/service-node.js';
import { defaultPlanInput, servicePlan, type ServicePlan } from '../service/service-plan.js';
import { SecretOps } from '../../daemon/secret-ops.js';
import { secretsView, viaDaemon } from '../secret-client.js';
import { fail, ok, warn, type CheckResult } from './check.js';
import { ROUTES } from '../../protocol/routes.js';

const MAX_SKEW_MS = 5 * 60_000;

export function daemonCheck(status: DaemonStatus | undefined, error: string | undefined): CheckResult {
  if (status) return ok(`daemon running: pid ${status.pid} on 127.0.0.1:${status.port}, version ${status.version}`);
  return fail(`daemon not reachable: ${error ?? 'no answer'}`, 'credd daemon --detach   (or, to start it at login: credd service install)');
}

export function activeProfileCheck(status: DaemonStatus | undefined): CheckResult[] {
  if (!status) return [];
  const out: CheckResult[] = [];
  if (status.activeProfile === null) out.push(warn('no profile is active', 'credd switch PROFILE'));
  const active = status.profiles.find((p) => p.active);
  if (active?.lastError && active.freshness !== 'fresh' && active.freshness !== 'aging') {
    out.push(fail(`profile ${active.name}: ${active.lastError.message}`, active.lastError.code === 'MfaRequired' ? `credd switch ${active.name}` : 'see: credd status'));
  } else if (active) out.push(ok(`profile ${active.name} has credentials until ${active.expiration ?? '?'}`));
  for (const m of status.mfa.filter((x) => x.neededSince !== undefined)) out.push(warn(`MFA code needed for ${m.neededFor ?? m.profile}`, `credd switch ${m.neededFor ?? m.profile}`));
  return out;
}

/** Through the daemon when it runs (only its node opens the keychain); counts names, reads no secret. */
export async function keychainCheck(ctx: CliContext, wsl = isWsl(ctx.env)): Promise<CheckResult> {
  try {
    const view = await secretsView(ctx);
    if (view.store.locked) return fail(`${view.store.description}: ${view.store.message ?? 'locked'}`, 'credd unlock');
    await viaDaemon(ctx, () => ctx.daemon.post(ROUTES.control.secretsProbe), (store) => new SecretOps(store).probe());
    return ok(`${view.store.description} reachable (${view.keys.length} keys)`);
  } catch (err) {
    const storeIsFile = (ctx.env['CREDD_STORE'] ?? '').trim().toLowerCase() === 'file';
    const fix = wsl && !storeIsFile ? 'CREDD_STORE=file, then: credd unlock' : 'unlock or start your keychain; on a headless machine: CREDD_STORE=file';
    return fail(`secret store not usable: ${errorMessage(err)}`, fix);
  }
}

/** STS answers (any status) and its clock agrees with ours: SigV4 fails beyond 15 minutes of skew. */
export async function stsCheck(ctx: CliContext, status: DaemonStatus | undefined, fetchImpl: typeof fetch = fetch): Promise<CheckResult> {
  let endpoint: string;
  try {
    const profile = status?.activeProfile ?? 'default';
    const p = resolveProfile(await loadAwsConfig(ctx.configFile), profile, ctx.env);
    endpoint = p.endpoint ?? `https://sts.${p.region}.amazonaws.com`;
  } catch (err) {
    return fail(`cannot work out the STS endpoint: ${errorMessage(err)}`, 'fix the AWS config file');
  }
  try {
    const res = await fetchImpl(endpoint, { method: 'GET', signal: AbortSignal.timeout(5_000) });
    const date = res.headers.get('date');
    const skew = date ? Math.abs(Date.parse(date) - ctx.clock.now()) : 0;
    if (skew > MAX_SKEW_MS) return fail(`this machine's clock is ${Math.round(skew / 60_000)} min off STS's (${endpoint}); AWS refuses signatures beyond 15 min`, 'turn on time sync (e.g. timedatectl set-ntp true, or System Settings → Date & Time)');
    return ok(`STS reachable at ${endpoint}${date ? `, clock within ${Math.round(skew / 1000)} s` : ''}`);
  } catch (err) {
    return fail(`STS not reachable at ${endpoint}: ${errorMessage(err)}`, 'check the network, proxy settings, or AWS_ENDPOINT_URL_STS');
  }
}

export async function serviceCheck(ctx: CliContext, credd = fileURLToPath(new URL('../../bin/credd.js', import.meta.url)), node = process.execPath): Promise<CheckResult> {
  let plan: ServicePlan;
  try {
    plan = servicePlan(defaultPlanInput(ctx.env, credd));
  } catch (err) {
    return fail(`the service file cannot be written from this environment: ${errorMessage(err)}`, 'fix the variable it names');
  }
  const content = await fs.readFile(plan.file, 'utf8').catch(() => undefined);
  if (content === undefined) return warn('credd does not start at login', 'credd service install');
  return serviceCommandCheck(plan.file, installedCommand(plan.platform, content), { node, credd });
}

/** The unit names a node and a script: both must exist and be the ones this credd runs. */
async function serviceCommandCheck(file: string, cmd: InstalledCommand | undefined, running: { node: string; credd: string }): Promise<CheckResult> {
  const fix = 'credd service install   (rewrites it with this node and this credd)';
  if (cmd === undefined) return fail(`service file ${file} names no node and script`, fix);
  const [node, script] = [realpathOrUndefined(cmd.node), realpathOrUndefined(cmd.script)];
  if (node === undefined) return fail(`the service runs ${cmd.node}, which no longer exists (node upgraded or removed?)`, fix);
  if (script === undefined) return fail(`the service runs ${cmd.script}, which no longer exists (credd moved or removed?)`, fix);
  if (node !== realpathOrUndefined(running.node)) return warn(`the service runs node ${cmd.node}, not the node this credd runs (${running.node})`, fix);
  if (script !== realpathOrUndefined(running.credd)) return warn(`the service runs ${cmd.script}, not this credd (${running.credd})`, fix);
  return ok(`service installed (${file}); it runs this node and this credd`);
}
