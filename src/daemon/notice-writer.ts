import fs from 'node:fs/promises';
import { errorMessage } from '../domain/errors.js';
import type { Logger } from '../platform/logger.js';
import { writeFileAtomic } from '../platform/write-file-atomic.js';
import { terminalText } from '../platform/terminal-text.js';

/** Keeps `$CREDD_HOME/notice` current; the shell hook only has to read a file (no process, no socket). */
export class NoticeWriter {
  private last: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private compute: (() => string | undefined) | undefined;
  /** Writes run one after another, so the last word on disk is the last one computed. */
  private writes: Promise<void> = Promise.resolve();
  private stopped = false;

  // Built before the parts it reports on (they call update() when something changes), so
  // what to compute arrives with start().
  constructor(
    private readonly file: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Follows `compute` from now on: at once, on every update() (changes the broker knows of are pushed at
   * once), and every `intervalMs` for time passing alone (an MFA session ending), at a pace that lets an
   * idle laptop sleep.
   */
  start(compute: () => string | undefined, intervalMs = 60_000): Promise<void> {
    this.compute = compute;
    this.timer = setInterval(() => void this.update(), intervalMs);
    this.timer.unref();
    return this.update();
  }

  /** Nothing to do before start() or after stop(). */
  update(): Promise<void> {
    if (this.compute === undefined || this.stopped) return this.writes;
    const next = this.compute();
    if (next === this.last) return this.writes;
    this.last = next;
    this.writes = this.writes.then(() => this.write(next));
    return this.writes;
  }

  private async write(next: string | undefined): Promise<void> {
    if (this.stopped) return;
    try {
      if (next === undefined) await fs.rm(this.file, { force: true });
      else {
        // The hook prints this line to the terminal: no control character may reach it.
        await writeFileAtomic(this.file, `${terminalText(next)}\n`);
        this.logger.warn({ notice: next }, 'notice for the user');
      }
    } catch (err) {
      this.logger.warn({ err: errorMessage(err) }, 'could not write the notice file');
    }
  }

  /** Waits for a write under way, so no notice is left behind by a daemon that has stopped. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.writes;
    await fs.rm(this.file, { force: true }).catch(() => undefined);
  }
}
