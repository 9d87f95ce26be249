import { classify } from '../domain/freshness.js';
import type { Clock } from '../domain/ports.js';
import { newSlot, type ProfileSlot } from './profile-slot.js';

/** Profiles tracked at once; real users have dozens at most. */
const MAX_SLOTS = 256;

/**
 * The broker's per-profile slots, bounded: requests for endless made-up profile names must
 * not grow memory, so the least useful slots (nothing valid cached, then least recently
 * asked for) make room. Dropping a slot always cancels its refresh timer.
 */
export class SlotTable {
  private readonly slots = new Map<string, ProfileSlot>();

  constructor(
    private readonly clock: Clock,
    private readonly keep: (slot: ProfileSlot) => boolean,
  ) {}

  get(name: string): ProfileSlot | undefined {
    return this.slots.get(name);
  }

  /** The slot for `name`, created (after making room) if there is none. */
  for(name: string): ProfileSlot {
    let slot = this.slots.get(name);
    if (!slot) {
      if (this.slots.size >= MAX_SLOTS) this.evict();
      slot = newSlot(name);
      this.slots.set(name, slot);
    }
    return slot;
  }

  values(): ProfileSlot[] {
    return [...this.slots.values()];
  }

  has(slot: ProfileSlot): boolean {
    return this.slots.get(slot.name) === slot;
  }

  drop(slot: ProfileSlot): void {
    if (slot.timer) this.clock.clearTimeout(slot.timer);
    this.slots.delete(slot.name);
  }

  cancelTimers(): void {
    for (const slot of this.slots.values()) if (slot.timer) this.clock.clearTimeout(slot.timer);
  }

  private evict(): void {
    const now = this.clock.now();
    const removable = this.values().filter((s) => !this.keep(s) && !s.inflight);
    const useless = removable.filter((s) => !s.creds || classify(s.creds.expiration.getTime(), s.issuedAt, now) === 'expired');
    const victims = useless.length > 0 ? useless : removable.sort((a, b) => a.lastRequestedAt - b.lastRequestedAt).slice(0, Math.ceil(MAX_SLOTS / 4));
    for (const s of victims) this.drop(s);
  }
}
