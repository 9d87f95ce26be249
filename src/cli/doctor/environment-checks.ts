import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadDefaultSections } from '../../config/default-sections.js';
import { loadDaemonInfo } from '../../daemon/daemon-info.js';
import { readIfExists } from '../../platform/private-files.js';
import { portFromEnv } from '../../platform/settings.js';
import type { DaemonStatus } from '../../protocol/control-api.js';
import type { CliContext } from '../cli-context.js';
import { fail, ok, warn, type CheckResult } from './check.js';
import { ROUTES } from '../../protocol/routes.js';

/** State dir 0700; token and control socket 0600: nobody else may read or connect. */
export async function permissionsCheck(ctx: CliContext): Promise<CheckResult> {
  const problems: string[] = [];
  const fixes: string[] = [];
  const mode = async (p: string): Promise<number | undefined> => fs.stat(p).then((s) => s.mode & 0o777, () => undefined);
  const dir = await mode(ctx.paths.home);
  if (dir !== undefined && (dir & 0o077) !== 0) {
    problems.push(`${ctx.paths.home} is ${dir.toString(8)}`);
    fixes.push(`chmod 700 '${ctx.paths.home}'`);
  }
  for (const file of [ctx.paths.token, ctx.paths.controlSocket]) {
    const m = await mode(file);
    if (m !== undefined && (m & 0o077) !== 0) {
      problems.push(`${file} is ${m.toString(8)}`);
      fixes.push(`chmod 600 '${file}'`);
    }
  }
  if (problems.length > 0) return fail(`state files are readable by others: ${problems.join(', ')}`, fixes.join(' && '));
  return ok(`state dir ${ctx.paths.home} and token are private (0700/0600)`);
}

/** Does this shell point the SDKs at this daemon, with the right token? */
export async function shellCheck(ctx: CliContext, status: DaemonStatus | undefined): Promise<CheckResult> {
  const uri = ctx.env['AWS_CONTAINER_CREDENTIALS_FULL_URI'];
  const imds = ctx.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'];
  // Without a running daemon, compare with where it would listen; doctor reads, never writes.
  const port = status?.port ?? (await loadDaemonInfo(ctx.paths.daemonInfo))?.port ?? portFromEnv(ctx.env);
  if (uri === undefined || uri === '') {
    if (imds && imds.startsWith(`http://127.0.0.1:${port}`)) return ok(`this shell uses credd through IMDS (${imds})`);
    return fail('AWS_CONTAINER_CREDENTIALS_FULL_URI is not set in this shell, so SDKs do not ask credd', 'add eval "$(credd env)" to ~/.bashrc or ~/.zshrc, then open a new shell');
  }
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return fail(`AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URL: ${uri}`, 'eval "$(credd env)"');
  }
  if (url.hostname !== '127.0.0.1' || !url.pathname.startsWith(ROUTES.ecs) || Number(url.port) !== port) {
    return fail(`AWS_CONTAINER_CREDENTIALS_FULL_URI (${uri}) does not point at this daemon (127.0.0.1:${port})`, 'eval "$(credd env)"');
  }
  const token = (await readIfExists(ctx.paths.token))?.trim();
  if (token === undefined) return fail(`there is no auth token at ${ctx.paths.token} yet`, 'credd daemon --detach   then: eval "$(credd env)"');
  if (ctx.env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] !== token) {
    return fail("AWS_CONTAINER_AUTHORIZATION_TOKEN in this shell is not this daemon's token", 'eval "$(credd env)"');
  }
  return ok(`this shell points SDKs at credd (${url.pathname === ROUTES.ecs ? 'follows credd switch' : `pinned: ${decodeURIComponent(url.pathname.slice(ROUTES.ecs.length + 1))}`})`);
}

/** Every SDK tries environment keys and profiles before the container endpoint: those shadow credd. */
export async function shadowCheck(ctx: CliContext): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const keys = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'].filter((k) => (ctx.env[k] ?? '') !== '');
  if (keys.length > 0) results.push(fail(`${keys.join(', ')} set in this shell: SDKs use them instead of credd`, `unset ${keys.join(' ')}`));
  if ((ctx.env['AWS_PROFILE'] ?? '') !== '') {
    results.push(fail(`AWS_PROFILE=${ctx.env['AWS_PROFILE']} is set: SDKs resolve that profile themselves instead of asking credd`, 'unset AWS_PROFILE (and use credd switch or credd env PROFILE)'));
  }
  if ((ctx.env['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'] ?? '') !== '') {
    results.push(fail('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is set and takes precedence over the full URI', 'unset AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'));
  }
  const credsFile = ctx.env['AWS_SHARED_CREDENTIALS_FILE'] || path.join(ctx.env['HOME'] ?? os.homedir(), '.aws', 'credentials');
  const defaults = await loadDefaultSections({ configFile: ctx.configFile, credentialsFile: credsFile });
  const def = defaults.credentials;
  if (def?.['aws_access_key_id'] !== undefined) {
    results.push(fail(`[default] in ${credsFile} holds a plaintext access key that SDKs use before credd`, `move it into the keychain with credd add, then delete it from ${credsFile}`));
  }
  const cfgDefault = defaults.config;
  const shadowKeys = ['credential_process', 'role_arn', 'sso_session', 'sso_start_url', 'web_identity_token_file'].filter((k) => cfgDefault?.[k] !== undefined);
  if (shadowKeys.length > 0) {
    results.push(warn(`[default] in ${ctx.configFile} has ${shadowKeys.join(', ')}: SDKs without AWS_PROFILE use it before credd`, 'remove those keys from [default] or give that profile another name'));
  }
  if (results.length === 0) results.push(ok('nothing in this shell or ~/.aws/credentials shadows credd'));
  return results;
}
