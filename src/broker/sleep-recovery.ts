import type { Clock } from '../domain/ports.js';
import type { Logger } from '../platform/logger.js';
import { ClockJump } from './clock-jump.js';
import type { RefreshSchedule } from './refresh-schedule.js';
import type { SlotTable } from './slot-table.js';

export interface SleepRecoveryDeps {
  clock: Clock;
  logger: Logger;
  slots: SlotTable;
  schedule: RefreshSchedule;
  renew(name: string): void;
}

/**
 * After a sleep the refresh timers are late by the whole sleep and backoff holds errors from
 * before it: drop both and refresh what is wanted now, with the quick first retries of a
 * fresh backoff. Checked on ticks that happen anyway (requests, the notice timer).
 */
export class SleepRecovery {
  private readonly jump: ClockJump;

  constructor(private readonly deps: SleepRecoveryDeps) {
    this.jump = new ClockJump(deps.clock);
  }

  check(): void {
    const jump = this.jump.check();
    if (jump === undefined || this.deps.schedule.isClosed) return;
    this.deps.logger.info({ jumpedSeconds: Math.round(jump / 1000) }, 'the wall clock jumped (sleep or clock change): refreshing now');
    for (const slot of this.deps.slots.values()) {
      if (slot.timer) this.deps.clock.clearTimeout(slot.timer);
      delete slot.timer;
      delete slot.nextAttemptAt;
      delete slot.lastErrorAt;
      slot.failures = 0;
      if (this.deps.schedule.wanted(slot) && !slot.inflight) this.deps.renew(slot.name);
    }
  }
}
