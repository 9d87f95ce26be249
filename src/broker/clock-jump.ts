import type { Clock } from '../domain/ports.js';

/** Wall time running this far ahead of monotonic time means the machine slept (or the clock was set). */
const JUMP_MS = 30_000;

/**
 * Notices that the wall clock moved without the monotonic clock: on Linux CLOCK_MONOTONIC and
 * on macOS mach_absolute_time (behind Node's performance.now and its timers) stop while the
 * machine sleeps, so after a long sleep every refresh timer is late by the whole sleep while
 * Date.now() says the credentials expired long ago. Checked on ticks that happen anyway.
 */
export class ClockJump {
  #wall: number;
  #mono: number;

  constructor(private readonly clock: Clock) {
    this.#wall = clock.now();
    this.#mono = clock.monotonic?.() ?? this.#wall;
  }

  /** How far wall time ran ahead since the last check, when that is a jump; else undefined. */
  check(): number | undefined {
    const monotonic = this.clock.monotonic;
    if (!monotonic) return undefined;
    const wall = this.clock.now();
    const mono = monotonic.call(this.clock);
    const drift = wall - this.#wall - (mono - this.#mono);
    this.#wall = wall;
    this.#mono = mono;
    return drift > JUMP_MS ? drift : undefined;
  }
}
