import type { Clock } from '../domain/ports.js';
import type { ProfileSlot } from './profile-slot.js';
import type { SlotTable } from './slot-table.js';

export interface ScheduleDeps {
  clock: Clock;
  random?: () => number;
  /** A non-active profile keeps being refreshed this long after it was last requested. */
  keepWarmMs?: number;
}

/**
 * One one-shot timer per slot, set for when its credentials should be renewed (or retried after
 * a failure): nothing ticks between refreshes, so an idle daemon stays asleep.
 */
export class RefreshSchedule {
  private closed = false;

  constructor(
    private readonly deps: ScheduleDeps,
    private readonly slots: SlotTable,
    private readonly isActive: (slot: ProfileSlot) => boolean,
    /** Fetches anew (one shared STS call); failures are the fetch's to record. */
    private readonly renew: (name: string) => void,
  ) {}

  at(slot: ProfileSlot, at: number): void {
    if (this.closed) return;
    const { clock } = this.deps;
    if (slot.timer) clock.clearTimeout(slot.timer);
    // A little jitter so many profiles refreshed together do not hit STS in one burst
    // (retries after a failure have their own, from backoffMs).
    const jitter = slot.lastError ? 0 : Math.round((this.deps.random ?? Math.random)() * 5_000);
    const delay = Math.max(0, at - clock.now()) + jitter;
    if (slot.lastError) slot.nextAttemptAt = clock.now() + delay;
    slot.timer = clock.setTimeout(() => this.fire(slot), delay);
  }

  /**
   * Refreshed in the background: the active profile, and others asked for within the hour.
   * A role that others chain through is fetched on demand during their refresh.
   */
  wanted(slot: ProfileSlot): boolean {
    return this.isActive(slot) || this.deps.clock.now() - slot.lastRequestedAt < (this.deps.keepWarmMs ?? 3_600_000);
  }

  close(): void {
    this.closed = true;
    this.slots.cancelTimers();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private fire(slot: ProfileSlot): void {
    delete slot.timer;
    delete slot.nextAttemptAt;
    if (this.closed || !this.slots.has(slot) || !this.wanted(slot)) return;
    this.renew(slot.name);
  }
}
