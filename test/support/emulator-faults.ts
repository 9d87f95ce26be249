// Faults an emulator can be told to inject (STS and SSO alike): answer slowly, drop the
// connection, throttle (429) or fail (500), for the next N calls or until cleared, for every
// action or only some.
import type { IncomingMessage } from 'node:http';

export type EmulatorFault = { kind: 'slow'; ms: number } | { kind: 'down' } | { kind: 'throttle' } | { kind: 'server-error' };

export class EmulatorFaults {
  private active: { fault: EmulatorFault; remaining: number | undefined; actions: string[] | undefined } | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();

  set(next: EmulatorFault | null, opts: { times?: number; actions?: string[] } = {}): void {
    if (next === null) {
      this.active = undefined;
      return;
    }
    if (!['slow', 'down', 'throttle', 'server-error'].includes(next.kind)) throw new Error(`unknown fault kind: ${String(next.kind)}`);
    if (next.kind === 'slow' && !(Number.isFinite(next.ms) && next.ms >= 0)) throw new Error('slow fault needs ms >= 0');
    const times = opts.times;
    if (times !== undefined && !(Number.isInteger(times) && times > 0)) throw new Error('times must be a positive integer');
    this.active = { fault: { ...next }, remaining: times, actions: opts.actions ? [...opts.actions] : undefined };
  }

  /**
   * Takes the fault for this call, if one applies: 'down' drops the socket (after `dropped()`,
   * which records it), 'slow' waits here; the caller answers throttle and server-error its own way.
   */
  async apply(action: string, req: IncomingMessage, dropped: () => void): Promise<EmulatorFault | undefined> {
    const f = this.active;
    if (!f || (f.actions && !f.actions.includes(action))) return undefined;
    if (f.remaining !== undefined && --f.remaining <= 0) this.active = undefined;
    const injected = f.fault;
    if (injected.kind === 'down') {
      dropped();
      req.socket.destroy();
    } else if (injected.kind === 'slow') {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.timers.delete(t);
          resolve();
        }, Math.max(0, injected.ms));
        this.timers.add(t);
      });
    }
    return injected;
  }

  /** A closing emulator does not wait out slow answers. */
  cancelTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
