export interface SystemClock {
  now(): number;
  monotonic(): number;
  setTimeout(fn: () => void, ms: number): object;
  clearTimeout(handle: object): void;
}

/** Real time. Timers are unref'd so a pending refresh never keeps a process alive. */
export const systemClock: SystemClock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout: (fn, ms) => {
    // Node clamps delays above 2^31-1 ms to 1 ms; cap instead so far-off timers stay far off.
    const t = setTimeout(fn, Math.min(Math.max(0, ms), 2_147_483_000));
    t.unref();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
