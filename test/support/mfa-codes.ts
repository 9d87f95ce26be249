// TOTP codes for end-to-end tests. AWS (and the emulator) accepts the code of the current
// 30 s step or a neighbour, but each step only once per device; a journey that logs in several
// times in a few seconds needs codes of distinct steps.
import type { StsEmulator } from './sts-emulator.js';
import { TOTP_STEP_SECONDS, totpAt, totpCounter } from './totp.js';

const STEP_MS = TOTP_STEP_SECONDS * 1000;

export interface MfaCodes {
  /** A code of a step not handed out before that the emulator accepts for at least 5 more seconds. */
  fresh(): string;
  /** Six digits that are no valid code now nor in the next steps; `n` picks another one. */
  wrong(n?: number): string;
}

/**
 * Prefers the next step (valid for 30 s or more), then the current one, then the previous one;
 * when all three are spent, moves the emulator clock one step on (`sts.advance`).
 */
export function mfaCodes(sts: StsEmulator, secret: string): MfaCodes {
  const spent = new Set<number>();
  return {
    fresh() {
      for (;;) {
        const now = sts.now();
        const k = totpCounter(now);
        const leftInStep = (k + 1) * STEP_MS - now;
        const candidates = leftInStep > 5_000 ? [k + 1, k, k - 1] : [k + 1, k];
        const step = candidates.find((c) => !spent.has(c));
        if (step !== undefined) {
          spent.add(step);
          return totpAt(secret, step * STEP_MS);
        }
        sts.advance(STEP_MS);
      }
    },
    wrong(n = 0) {
      const k = totpCounter(sts.now());
      const valid = new Set([-1, 0, 1, 2, 3].map((d) => totpAt(secret, (k + d) * STEP_MS)));
      const invalid = [...'0123456789'].map((d) => d.repeat(6)).filter((c) => !valid.has(c));
      return invalid[n % invalid.length] ?? '000000';
    },
  };
}
