import path from 'node:path';
import { isProfileName } from '../domain/profile-name.js';
import { checkPolicyArns, checkSuffix, packPolicy } from '../domain/scope-limits.js';
import { cleanName, type ScopeRequest } from '../domain/session-scope.js';
import { readIfExists } from '../platform/private-files.js';
import { writeFileAtomic } from '../platform/write-file-atomic.js';
import type { Lease, RegistrySnapshot, ScopeEntry } from './scope-registry.js';

const LEASE_ID = /^[A-Za-z0-9_-]{16,64}$/;

/**
 * The live `credd exec` leases, kept in CREDD_HOME so a daemon restart (an upgrade, `credd
 * service restart`) does not cut off children that are still running: their URL and token
 * stay valid, as the daemon's own token does. Holds no secret: policy ARNs and text, session
 * name parts, pids. Writes are coalesced; a failed write is logged, never fatal.
 */
export class ScopeLeaseFile {
  private writing: Promise<void> | undefined;
  private dirty = false;

  constructor(
    private readonly file: string,
    private readonly snapshot: () => RegistrySnapshot,
    private readonly warn: (message: string) => void,
  ) {}

  static in(home: string): string {
    return path.join(home, 'scope-leases.json');
  }

  changed(): void {
    this.dirty = true;
    this.writing ??= this.flush();
  }

  /** Resolves once what changed so far is on disk (for shutdown and tests). */
  async settled(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /** The snapshot a previous daemon left; anything unreadable or malformed is dropped, never fatal. */
  async load(): Promise<RegistrySnapshot> {
    let raw: string | undefined;
    try {
      raw = await readIfExists(this.file);
    } catch (err) {
      this.warn(`the scope lease file ${this.file} cannot be read (${(err as Error).message}); running credd exec children need to be started again`);
      return { scopes: [], leases: [] };
    }
    if (raw === undefined) return { scopes: [], leases: [] };
    try {
      const v = JSON.parse(raw) as { scopes?: unknown; leases?: unknown };
      const scopes = Array.isArray(v.scopes) ? v.scopes.map(scopeOf).filter((s) => s !== undefined) : [];
      const leases = Array.isArray(v.leases) ? v.leases.map(leaseOf).filter((l) => l !== undefined) : [];
      return { scopes, leases };
    } catch {
      return { scopes: [], leases: [] };
    }
  }

  private async flush(): Promise<void> {
    while (this.dirty) {
      this.dirty = false;
      try {
        await writeFileAtomic(this.file, `${JSON.stringify(this.snapshot())}\n`);
      } catch (err) {
        this.warn(`could not save the credd exec leases to ${this.file} (${(err as Error).message}); a daemon restart would end them`);
      }
    }
    this.writing = undefined;
  }
}

function scopeOf(v: unknown): ScopeEntry | undefined {
  const o = record(v);
  if (!o || typeof o['id'] !== 'string' || !isProfileName(o['profile'])) return undefined;
  const request = requestOf(record(o['request']));
  return request === undefined ? undefined : { id: o['id'], profile: o['profile'], request };
}

function leaseOf(v: unknown): Lease | undefined {
  const o = record(v);
  if (!o) return undefined;
  const { id, scope, profile, pid, since } = o;
  if (typeof id !== 'string' || !LEASE_ID.test(id) || typeof scope !== 'string' || !isProfileName(profile)) return undefined;
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0 || typeof since !== 'number' || !Number.isFinite(since)) return undefined;
  return { id, scope, profile, pid, since };
}

/** The same checks an exec's request passed when it was opened; a request failing them is dropped. */
function requestOf(o: Record<string, unknown> | undefined): ScopeRequest | undefined {
  if (!o) return undefined;
  const { policyArns, policy, sessionNameSuffix, program, as } = o;
  try {
    if (policyArns !== undefined && (!Array.isArray(policyArns) || policyArns.some((a) => typeof a !== 'string'))) return undefined;
    if ([policy, sessionNameSuffix, program].some((x) => x !== undefined && typeof x !== 'string')) return undefined;
    if (as !== undefined && !isProfileName(as)) return undefined;
    return {
      ...(policyArns !== undefined && { policyArns: checkPolicyArns(policyArns as string[], 'policyArns') }),
      ...(typeof policy === 'string' && { policy: packPolicy(policy, 'policy') }),
      ...(typeof sessionNameSuffix === 'string' && { sessionNameSuffix: checkSuffix(sessionNameSuffix, 'sessionNameSuffix') }),
      ...(typeof program === 'string' && { program: cleanName(program) }),
      ...(as !== undefined && { as }),
    };
  } catch {
    return undefined;
  }
}

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
