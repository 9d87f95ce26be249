import fs from 'node:fs';
import { GONE, type LineSink } from './safe-sink.js';

export interface FdSinkOptions {
  /** Turns a JSON line into what is written (pino-pretty on a terminal). */
  format?: (line: string) => string;
  /** How far a slow reader may fall behind before lines are dropped (and counted). */
  maxQueuedBytes?: number;
  /** How soon a backlog is first offered again while the descriptor is full (then less and less often, up to 1 s). */
  retryMs?: number;
  /** Tests play a full pipe or a dead terminal here. */
  writeSync?: (fd: number, data: Uint8Array) => number;
}

/**
 * Log lines to a descriptor that may be a pipe or a socket whose reader is slow: journald,
 * `credd daemon 2>&1 | tee`, a test harness. Node makes such a stdio descriptor non-blocking,
 * so a plain `fs.writeSync` fails with EAGAIN once the pipe is full (64 KiB on Linux), and a
 * burst of requests lost its log lines that way. Here a line the descriptor cannot take yet
 * waits in memory, in order, and goes out as the reader catches up; the daemon is never
 * blocked by its reader. Past `maxQueuedBytes` new lines are dropped and counted, and the count
 * is written once the backlog is gone. Nothing here throws: a descriptor that is gone (a closed
 * terminal) is left alone from then on; any other failure costs the line it hit.
 */
export class FdSink implements LineSink {
  readonly #fd: number;
  readonly #format: (line: string) => string;
  readonly #maxQueuedBytes: number;
  readonly #retryMs: number;
  readonly #writeSync: (fd: number, data: Uint8Array) => number;
  #queue: Buffer[] = [];
  #queuedBytes = 0;
  #dropped = 0;
  #gone = false;
  #timer: NodeJS.Timeout | undefined;
  #delayMs: number;
  readonly #lastTry = (): void => this.#flush();

  constructor(fd: number, options: FdSinkOptions = {}) {
    this.#fd = fd;
    this.#format = options.format ?? ((l) => l);
    this.#maxQueuedBytes = options.maxQueuedBytes ?? 4 * 1024 * 1024;
    this.#retryMs = options.retryMs ?? 20;
    this.#delayMs = this.#retryMs;
    this.#writeSync = options.writeSync ?? ((f, data) => fs.writeSync(f, data));
  }

  /** Bytes waiting for the reader. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  write(line: string): boolean {
    if (this.#gone) return true;
    const data = Buffer.from(this.#format(line));
    if (this.#queue.length > 0 && this.#queuedBytes + data.length > this.#maxQueuedBytes) {
      this.#dropped++;
      return true;
    }
    this.#queue.push(data);
    this.#queuedBytes += data.length;
    if (this.#queue.length === 1) this.#flush();
    return true;
  }

  #flush(): void {
    this.#timer = undefined;
    while (this.#queue.length > 0) {
      const head = this.#queue[0] as Buffer;
      let written: number;
      try {
        written = this.#writeSync(this.#fd, head);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? '';
        if (code === 'EAGAIN') return this.#later();
        if (GONE.has(code)) return this.#giveUp();
        written = head.length;
      }
      this.#queuedBytes -= written;
      this.#delayMs = this.#retryMs;
      if (written < head.length) this.#queue[0] = head.subarray(written);
      else this.#queue.shift();
      if (this.#queue.length === 0 && this.#dropped > 0) this.#queueDroppedNotice();
    }
    process.off('exit', this.#lastTry);
  }

  /**
   * The reader is behind: offer the backlog again soon, and once more as the process exits. A
   * reader that stays away (a paused `| less`) is asked less and less often, at most once a second.
   */
  #later(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => this.#flush(), this.#delayMs);
    this.#delayMs = Math.min(this.#delayMs * 2, Math.max(this.#retryMs, 1000));
    this.#timer.unref();
    if (!process.listeners('exit').includes(this.#lastTry)) process.once('exit', this.#lastTry);
  }

  #giveUp(): void {
    this.#gone = true;
    this.#queue = [];
    this.#queuedBytes = 0;
    process.off('exit', this.#lastTry);
  }

  #queueDroppedNotice(): void {
    const n = this.#dropped;
    this.#dropped = 0;
    const msg = `${n} log line${n === 1 ? '' : 's'} not written here: whoever reads this output fell more than ${Math.round(this.#maxQueuedBytes / 1024)} KiB behind`;
    const data = Buffer.from(this.#format(`${JSON.stringify({ level: 40, time: Date.now(), pid: process.pid, msg })}\n`));
    this.#queue.push(data);
    this.#queuedBytes += data.length;
  }
}
