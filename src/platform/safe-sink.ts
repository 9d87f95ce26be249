/** Where a log line goes: a file, a terminal, a pipe. */
export interface LineSink {
  write(line: string): unknown;
}

/** Errors after which a sink never works again: the terminal or the reader is gone. */
export const GONE: ReadonlySet<string> = new Set(['EIO', 'EPIPE', 'EBADF', 'ENXIO', 'ECONNRESET']);

/**
 * Fans each log line out to its sinks and never throws: a log sink failing (a closed
 * terminal, a full disk) must not take the daemon down. A sink that is gone is dropped; a
 * transient failure (ENOSPC) costs that line only. A pipe that is full for a while is the
 * descriptor sink's own business (fd-sink.ts): it keeps the lines until the reader catches up.
 */
export class SafeSinks {
  private sinks: LineSink[];

  constructor(sinks: LineSink[]) {
    this.sinks = [...sinks];
  }

  write(line: string): boolean {
    for (const sink of [...this.sinks]) {
      try {
        sink.write(line);
      } catch (err) {
        if (GONE.has((err as NodeJS.ErrnoException).code ?? '')) this.sinks = this.sinks.filter((s) => s !== sink);
      }
    }
    return true;
  }
}
