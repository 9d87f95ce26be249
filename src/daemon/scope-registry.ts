import { createHash, randomBytes } from 'node:crypto';
import type { ScopeRequest } from '../domain/session-scope.js';

export interface ScopeEntry {
  id: string;
  profile: string;
  request: ScopeRequest;
}

export interface Lease {
  id: string;
  scope: string;
  profile: string;
  /** The `credd exec` process that holds the lease; a lease whose holder is gone is ended. */
  pid: number;
  since: number;
}

export interface RegistrySnapshot {
  scopes: ScopeEntry[];
  leases: Lease[];
}

/** Kept at once; real use is a handful of concurrent execs. */
const MAX_LEASES = 1024;
const MAX_IDLE_SCOPES = 256;
/** Separates profile and scope id in a broker slot name; no profile name can contain it. */
export const SLOT_SEPARATOR = '#';

/**
 * The down-scoped sessions `credd exec` asked for, and the leases of the execs using them.
 * A scope's id is a digest of the profile and what narrows it, so two children with the same
 * scope share one broker slot (one AssumeRole); each child holds its own lease.
 */
export class ScopeRegistry {
  private readonly scopes = new Map<string, ScopeEntry>();
  private readonly leases = new Map<string, Lease>();
  private sweeping: { alive: (pid: number) => boolean; everyMs: number; timer?: NodeJS.Timeout } | undefined;

  /**
   * Ends leases of execs that died without saying so, every `everyMs` while any lease is open.
   * No timer runs while there is none: an idle daemon is not woken for this. Returns the stop.
   */
  autoSweep(alive: (pid: number) => boolean, everyMs: number): () => void {
    this.sweeping = { alive, everyMs };
    this.armSweep();
    return () => {
      if (this.sweeping?.timer) clearTimeout(this.sweeping.timer);
      this.sweeping = undefined;
    };
  }

  private armSweep(): void {
    const s = this.sweeping;
    if (!s || s.timer || this.leases.size === 0) return;
    s.timer = setTimeout(() => {
      delete s.timer;
      this.sweep(s.alive);
      this.armSweep();
    }, s.everyMs);
    s.timer.unref();
  }

  /** `changed` hears of every lease opened or ended (the daemon keeps them across restarts). */
  constructor(private readonly changed: () => void = () => undefined) {}

  scopeFor(profile: string, request: ScopeRequest): ScopeEntry {
    const id = createHash('sha256').update(JSON.stringify([profile, canonical(request)])).digest('base64url').slice(0, 22);
    let entry = this.scopes.get(id);
    if (!entry) {
      entry = { id, profile, request };
      this.scopes.set(id, entry);
      this.trimIdle();
    }
    return entry;
  }

  open(entry: ScopeEntry, pid: number, now: number): Lease {
    if (this.leases.size >= MAX_LEASES) this.sweep(() => false, (l) => l.since < now - 86_400_000);
    const lease: Lease = { id: randomBytes(18).toString('base64url'), scope: entry.id, profile: entry.profile, pid, since: now };
    this.leases.set(lease.id, lease);
    this.armSweep();
    this.changed();
    return lease;
  }

  release(id: string): boolean {
    const ended = this.leases.delete(id);
    if (ended) this.changed();
    return ended;
  }

  lease(id: string): Lease | undefined {
    return this.leases.get(id);
  }

  scope(id: string): ScopeEntry | undefined {
    return this.scopes.get(id);
  }

  /** Ends the leases whose holder is gone; returns how many. */
  sweep(alive: (pid: number) => boolean, stale: (lease: Lease) => boolean = () => false): number {
    let ended = 0;
    for (const l of [...this.leases.values()]) {
      if (!alive(l.pid) || stale(l)) {
        this.leases.delete(l.id);
        ended++;
      }
    }
    if (ended > 0) this.changed();
    return ended;
  }

  /** The live leases and the scopes they use: what a restarted daemon takes back. */
  snapshot(): RegistrySnapshot {
    const used = new Set([...this.leases.values()].map((l) => l.scope));
    return { scopes: [...this.scopes.values()].filter((s) => used.has(s.id)), leases: [...this.leases.values()] };
  }

  /**
   * Takes back the leases of a snapshot whose holders still run. A scope's id is computed
   * again from its profile and request, and a lease whose scope does not come out the same
   * is dropped: its child's token was derived from that id.
   */
  restore(snapshot: RegistrySnapshot, alive: (pid: number) => boolean): number {
    const known = new Set<string>();
    for (const s of snapshot.scopes) {
      if (this.scopeFor(s.profile, s.request).id === s.id) known.add(s.id);
    }
    let restored = 0;
    for (const l of snapshot.leases) {
      if (!known.has(l.scope) || this.scopes.get(l.scope)?.profile !== l.profile || !alive(l.pid) || this.leases.size >= MAX_LEASES) continue;
      this.leases.set(l.id, { ...l });
      restored++;
    }
    return restored;
  }

  /** Live leases per scope id. */
  execsByScope(): Map<string, number> {
    const out = new Map<string, number>();
    for (const l of this.leases.values()) out.set(l.scope, (out.get(l.scope) ?? 0) + 1);
    return out;
  }

  private trimIdle(): void {
    if (this.scopes.size <= MAX_IDLE_SCOPES) return;
    const used = new Set([...this.leases.values()].map((l) => l.scope));
    for (const id of this.scopes.keys()) {
      if (this.scopes.size <= MAX_IDLE_SCOPES) break;
      if (!used.has(id)) this.scopes.delete(id);
    }
  }
}

export function slotName(entry: ScopeEntry): string {
  return `${entry.profile}${SLOT_SEPARATOR}${entry.id}`;
}

function canonical(r: ScopeRequest): unknown[] {
  return [r.policyArns ?? [], r.policy ?? null, r.sessionNameSuffix ?? null, r.program ?? null, r.as ?? null];
}
