import type { Clock } from '../domain/ports.js';

/** Wall time running this far ahead of monotonic time means the machine slept (or the clock was set). */
const JUMP_MS = 30_000;

/**
 * Notices that the wall clock moved without the monotonic clock. On Linux Node's performance.now
 * and its timers run on CLOCK_MONOTONIC, which "does not count time that the system is
 * suspended" (clock_gettime(2); libuv's uv__hrtime for Linux reads it), so after a long sleep
 * every refresh timer is late by the whole sleep while Date.now() says the credentials expired
 * long ago. On macOS libuv uses mach_continuous_time, which counts sleep (libuv src/unix/darwin.c,
 * libuv PR #2894; Apple's mach_continuous_time docs): no jump is seen there, and none is needed,
 * since the loop's time already includes the sleep and overdue refresh timers are due at once.
 * Checked on ticks that happen anyway.
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
