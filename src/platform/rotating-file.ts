import fs from 'node:fs';
import path from 'node:path';

/**
 * A pino destination that appends to a file and, past `maxBytes`, moves it to `.1` and
 * starts afresh: the log never grows without bound, and the last two files are kept.
 * Writes are synchronous (log lines are few: one per STS call, warnings, errors).
 */
export class RotatingFile {
  private fd: number;
  private size: number;

  constructor(
    private readonly file: string,
    private readonly maxBytes = 5 * 1024 * 1024,
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    this.fd = fs.openSync(file, 'a', 0o600);
    this.size = fs.fstatSync(this.fd).size;
  }

  write(chunk: string): boolean {
    if (this.size + Buffer.byteLength(chunk) > this.maxBytes && this.size > 0) this.rotate();
    fs.writeSync(this.fd, chunk);
    this.size += Buffer.byteLength(chunk);
    return true;
  }

  /** Also what SIGHUP does, for external log rotation tools. */
  reopen(): void {
    fs.closeSync(this.fd);
    this.fd = fs.openSync(this.file, 'a', 0o600);
    this.size = fs.fstatSync(this.fd).size;
  }

  private rotate(): void {
    fs.closeSync(this.fd);
    fs.renameSync(this.file, `${this.file}.1`);
    this.fd = fs.openSync(this.file, 'a', 0o600);
    this.size = 0;
  }
}
