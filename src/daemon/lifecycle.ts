import { errorMessage } from '../domain/errors.js';
import type { Logger } from '../platform/logger.js';

/**
 * What has been started and how to stop it. Each part registers its stop as soon as it has
 * started, so a failure half-way through start-up stops exactly what was started; stop runs
 * newest first, once, and one failing step does not skip the others.
 */
export class Lifecycle {
  readonly done: Promise<void>;
  private readonly steps: Array<{ what: string; stop: () => Promise<unknown> }> = [];
  private stopped: Promise<void> | undefined;
  private resolveDone!: () => void;

  constructor(private readonly logger: Logger) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  get stopping(): boolean {
    return this.stopped !== undefined;
  }

  /** Registers how to stop what has just started. */
  started(what: string, stop: () => Promise<unknown>): void {
    this.steps.push({ what, stop });
  }

  /** Safe to call many times (signal, control API, a failed start, a test): the steps run once. */
  stop(): Promise<void> {
    this.stopped ??= this.unwind().then(() => this.resolveDone());
    return this.stopped;
  }

  private async unwind(): Promise<void> {
    for (let step = this.steps.pop(); step !== undefined; step = this.steps.pop()) {
      const { what, stop } = step;
      try {
        await stop();
      } catch (err) {
        this.logger.warn({ err: errorMessage(err), step: what }, 'cleanup failed');
      }
    }
  }
}
