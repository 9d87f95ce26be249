import fs from 'node:fs/promises';
import type { ConfigSnapshot } from '../config/config-snapshot.js';
import { namedScope, withNamedScope } from '../config/named-scope.js';
import { resolveProfile } from '../config/resolve-profile.js';
import { ConfigError } from '../domain/errors.js';
import type { Profile, RoleProfile } from '../domain/profile.js';
import { packPolicy } from '../domain/scope-limits.js';
import { hasPolicy, scopeLabel, sessionNameFor, type ScopeRequest } from '../domain/session-scope.js';
import { SLOT_SEPARATOR, type ScopeRegistry } from './scope-registry.js';

const MAX_POLICY_FILE_BYTES = 64 * 1024;

/** A session policy file's text, or why it could not be read, as of one config generation. */
type PolicyRead = { generation: number; text: string } | { generation: number; problem: string };

/** Reads a policy file; tests pass one that counts. */
export type ReadPolicyFile = (file: string) => Promise<{ text: string } | { problem: string }>;

/**
 * The broker's `loadProfile`: resolves a profile from the daemon's config snapshot, adds its
 * session policy (read once per snapshot generation; the snapshot then watches the file), and
 * for a down-scoped slot (`PROFILE#SCOPE`) lays the exec's scope on top. Remembers each slot's
 * scope label for the audit and `credd status`.
 */
export class ScopedProfiles {
  private readonly labels = new Map<string, string | undefined>();
  private readonly policies = new Map<string, PolicyRead>();

  constructor(
    private readonly snapshot: ConfigSnapshot,
    private readonly env: NodeJS.ProcessEnv,
    private readonly registry: ScopeRegistry,
    private readonly defaultSessionName: string,
    private readonly readPolicyFile: ReadPolicyFile = readPolicyFromDisk,
  ) {}

  /** Bumps whenever a profile's definition may have changed (the broker re-checks only then). */
  generation(fresh = false): number | Promise<number> {
    const pending = this.snapshot.refresh(fresh);
    return pending ? pending.then(() => this.snapshot.generation) : this.snapshot.generation;
  }

  async load(name: string): Promise<Profile> {
    const at = name.indexOf(SLOT_SEPARATOR);
    const base = at === -1 ? name : name.slice(0, at);
    let profile = resolveProfile(await this.snapshot.current(base), base, this.env);
    const entry = at === -1 ? undefined : this.registry.scope(name.slice(at + 1));
    if (at !== -1) {
      if (!entry) throw new ConfigError(`The down-scoped session of profile "${base}" is no longer known to the daemon; run the program under credd exec again.`);
      profile = this.narrow(await this.named(profile, entry.request), entry.request);
    }
    if (profile.kind === 'role') profile = await this.withPolicyText(profile);
    if (this.labels.size > 1024) this.labels.clear();
    this.labels.set(name, profile.kind === 'role' ? scopeLabel(profile.scope, entry?.request.as) : undefined);
    return profile;
  }

  /** `credd exec P --as NAME`: NAME's scope keys laid on P, read afresh at each fetch like P's own. */
  async named(profile: Profile, request: ScopeRequest): Promise<Profile> {
    if (request.as === undefined) return profile;
    return withNamedScope(profile, namedScope(await this.snapshot.current(request.as), profile.name, request.as, request, this.env));
  }

  /** The scope label of a slot fetched at least once (policy ARNs / "inline policy"). */
  labelOf(slot: string): string | undefined {
    return this.labels.get(slot);
  }

  /** What `credd exec` adds to the profile: its policies and the session name with the program in it. */
  narrow(profile: Profile, request: ScopeRequest): RoleProfile {
    const where = `Profile "${profile.name}"`;
    if (profile.kind !== 'role') {
      const how = profile.kind === 'sso' ? 'IAM Identity Center role credentials take no session policy' : 'it is an IAM user, not a role';
      throw new ConfigError(`${where} cannot be down-scoped (${how}); use a role profile whose source_profile is "${profile.name}".`);
    }
    if (hasPolicy(request) && (profile.scope?.policyArns !== undefined || profile.scope?.policyFile !== undefined)) {
      // Two sets of session policies would be joined, which can only widen the profile's own.
      throw new ConfigError(`${where} already sets credd_policy_arns or credd_policy_file; drop --policy/--policy-arn, or use a profile without them.`);
    }
    const scope = {
      ...profile.scope,
      ...(request.policyArns !== undefined && request.policyArns.length > 0 && { policyArns: request.policyArns }),
      ...(request.policy !== undefined && { policy: request.policy }),
    };
    const roleSessionName = sessionNameFor(profile.roleSessionName ?? this.defaultSessionName, request.program, request.sessionNameSuffix);
    return { ...profile, roleSessionName, scope };
  }

  private async withPolicyText(profile: RoleProfile): Promise<RoleProfile> {
    const file = profile.scope?.policyFile;
    if (file === undefined || profile.scope?.policy !== undefined) return profile;
    const generation = this.snapshot.generation;
    let read = this.policies.get(file);
    if (read?.generation !== generation) {
      await this.snapshot.track(file);
      read = { generation, ...(await this.readPolicyFile(file)) };
      if (this.policies.size > 256) this.policies.clear();
      this.policies.set(file, read);
    }
    const where = `Profile "${profile.name}", credd_policy_file ${file}`;
    if ('problem' in read) throw new ConfigError(`${where}: ${read.problem}`);
    return { ...profile, scope: { ...profile.scope, policy: packPolicy(read.text, where) } };
  }
}

async function readPolicyFromDisk(file: string): Promise<{ text: string } | { problem: string }> {
  try {
    const handle = await fs.open(file, 'r');
    try {
      const st = await handle.stat();
      if (!st.isFile() || st.size > MAX_POLICY_FILE_BYTES) return { problem: 'not a policy file (a regular file of at most 64 KiB).' };
      return { text: await handle.readFile('utf8') };
    } finally {
      await handle.close();
    }
  } catch (err) {
    return { problem: `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}).` };
  }
}
