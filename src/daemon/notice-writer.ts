import fs from 'node:fs/promises';
import { errorMessage } from '../domain/errors.js';
import type { Logger } from '../platform/logger.js';
import { writeFileAtomic } from '../platform/write-file-atomic.js';
import { terminalText } from '../platform/terminal-text.js';

/** Keeps `$CREDD_HOME/notice` current; the shell hook only has to read a file (no process, no socket). */
export class NoticeWriter {
  private last: string | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly file: string,
    private readonly compute: () => string | undefined,
    private readonly logger: Logger,
  ) {}

  /** Changes the broker knows of are pushed at once (update); the interval catches time passing, at a pace that lets an idle laptop sleep. */
  start(intervalMs = 60_000): void {
    this.timer = setInterval(() => void this.update(), intervalMs);
    this.timer.unref();
    void this.update();
  }

  async update(): Promise<void> {
    const next = this.compute();
    if (next === this.last) return;
    this.last = next;
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

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await fs.rm(this.file, { force: true }).catch(() => undefined);
  }
}
