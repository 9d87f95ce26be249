import fs from 'node:fs/promises';
import type { Command } from 'commander';
import { loadAwsConfig, type AwsConfig } from '../config/aws-config.js';
import { namedScope } from '../config/named-scope.js';
import { ConfigError, CreddError, errorMessage } from '../domain/errors.js';
import { checkPolicyArns, checkSuffix, packPolicy } from '../domain/scope-limits.js';
import { cleanName, isEmptyRequest, PROGRAM_PLACEHOLDER, type ScopeRequest, type SessionScope } from '../domain/session-scope.js';
import { terminalText } from '../platform/terminal-text.js';
import type { ScopeLease } from '../protocol/control-api.js';
import { ROUTES } from '../protocol/routes.js';
import type { CliContext } from './cli-context.js';
import { validProfileName } from './commands/profile-name.js';
import { withUserAction } from './mfa-prompt.js';

export interface ScopeFlags {
  policy?: string;
  policyArn?: string[];
  sessionNameSuffix?: string;
  as?: string;
}

const MAX_POLICY_FILE_BYTES = 64 * 1024;

/** `credd exec` options that give the command less than the whole role, and label its session. */
export function addScopeFlags(command: Command): Command {
  return command
    .option('--policy <file>', 'inline session policy (JSON file): the command gets the role ∩ this policy')
    .option('--policy-arn <arn>', 'managed session policy, e.g. arn:aws:iam::aws:policy/ReadOnlyAccess (repeatable, up to 10)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--session-name-suffix <suffix>', 'appended to the role session name CloudTrail shows, e.g. @terraform')
    .option('--as <name>', 'a named scope: the policies and labels of [profile NAME] in ~/.aws/config, on this profile\'s role');
}

/**
 * The scope the flags ask for, checked here (policy file read, JSON packed, ARNs and limits)
 * so a mistake fails in one sentence before the daemon or STS hear of it.
 */
export async function scopeRequestFromFlags(flags: ScopeFlags, command: readonly string[]): Promise<ScopeRequest> {
  const arns = flags.policyArn ?? [];
  const file = flags.policy;
  const policy = file === undefined ? undefined : packPolicy(await readPolicyFile(file), `--policy ${file}`);
  const program = command[0];
  return {
    ...(arns.length > 0 && { policyArns: checkPolicyArns(arns, '--policy-arn') }),
    ...(policy !== undefined && file !== undefined && { policy, policyFile: file }),
    ...(flags.sessionNameSuffix !== undefined && { sessionNameSuffix: checkSuffix(flags.sessionNameSuffix, '--session-name-suffix') }),
    ...(program !== undefined && { program: cleanName(program) }),
    ...(flags.as !== undefined && { as: validProfileName(flags.as) }),
  };
}

/**
 * `--as NAME` checked against the config here, so a name that is missing, narrows nothing,
 * names another role or would widen the policies is a usage error (exit 2) before the daemon
 * hears of it. The daemon checks again, at every fetch.
 */
export async function checkNamedScope(ctx: CliContext, profile: string, request: ScopeRequest): Promise<void> {
  if (request.as === undefined) return;
  let config: AwsConfig;
  try {
    config = await loadAwsConfig(ctx.configFile);
  } catch {
    // An unreadable config is reported by the daemon, in its words.
    return;
  }
  try {
    namedScope(config, profile, request.as, request, ctx.env);
  } catch (err) {
    if (err instanceof ConfigError) throw new CreddError('Usage', err.message);
    throw err;
  }
}

/** A lease is needed for flags, or when the profile's role_session_name names the program. */
export async function needsLease(ctx: CliContext, profile: string, request: ScopeRequest): Promise<boolean> {
  if (!isEmptyRequest(request)) return true;
  try {
    const section = (await loadAwsConfig(ctx.configFile)).profiles.get(profile);
    return section?.['role_session_name']?.includes(PROGRAM_PLACEHOLDER) === true;
  } catch {
    // An unreadable config is reported by the daemon, in its words.
    return false;
  }
}

/**
 * Opens a lease on the down-scoped slot (asking for an MFA code here if one is needed) and
 * returns the child's variables and a function that ends the lease when the child exits.
 */
export async function openLease(ctx: CliContext, profile: string, request: ScopeRequest, mfaCode: string | undefined): Promise<{ vars: Record<string, string>; release: () => Promise<void> }> {
  const { policyFile: _file, ...wire } = request;
  const lease = await withUserAction(ctx, profile, () => ctx.daemon.post<ScopeLease>(ROUTES.control.scope, { profile, ...wire, pid: process.pid }), {
    ...(mfaCode !== undefined && { code: mfaCode }),
    interactive: ctx.prompt.interactive,
  });
  return {
    vars: { AWS_CONTAINER_CREDENTIALS_FULL_URI: lease.url, AWS_CONTAINER_AUTHORIZATION_TOKEN: lease.token },
    release: async () => {
      try {
        await ctx.daemon.post(ROUTES.control.scopeRelease, { lease: lease.lease });
      } catch (err) {
        // The daemon also ends leases of execs that are gone; say it, do not fail the exit code.
        ctx.err.write(`credd: could not end the exec's lease at once (${errorMessage(err)}); the daemon ends it within seconds.\n`);
      }
    },
  };
}

/** `credd list`'s SCOPE column: what a role profile's own keys narrow and label. */
export function describeScopeKeys(scope: SessionScope | undefined): string | undefined {
  if (!scope) return undefined;
  const parts: string[] = [];
  if (scope.policyArns) parts.push(`policies ${scope.policyArns.join(',')}`);
  if (scope.policyFile !== undefined) parts.push(`policy file ${scope.policyFile}`);
  if (scope.sourceIdentity !== undefined) parts.push(`source identity ${scope.sourceIdentity}`);
  if (scope.tags) parts.push(`tags ${scope.tags.map((t) => `${t.key}=${t.value}`).join(',')}`);
  if (scope.transitiveTagKeys) parts.push(`transitive ${scope.transitiveTagKeys.join(',')}`);
  return parts.length === 0 ? undefined : terminalText(parts.join('; '));
}

async function readPolicyFile(file: string): Promise<string> {
  try {
    const st = await fs.stat(file);
    if (!st.isFile() || st.size > MAX_POLICY_FILE_BYTES) throw new ConfigError(`--policy ${file}: not a policy file (a regular file of at most 64 KiB).`);
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`--policy ${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
}
