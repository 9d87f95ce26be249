import fs from 'node:fs';
import path from 'node:path';

/**
 * credd's one rotating file (the daemon's log, as a pino destination, and the audit log):
 * appends, and past `maxBytes` moves the file to `.1` and starts afresh, so it never grows
 * without bound and the last two files are kept. Writes are synchronous and few: log lines
 * are rare, and the audit writes one batch of lines at a time.
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

  /**
   * Appends whole lines, rotating between them, so no file grows past maxBytes by more than
   * one line; one write per file touched.
   */
  writeLines(lines: readonly string[]): void {
    let chunk = '';
    let chunkBytes = 0;
    for (const line of lines) {
      const bytes = Buffer.byteLength(line);
      if (this.size + chunkBytes + bytes > this.maxBytes && this.size + chunkBytes > 0) {
        if (chunk !== '') fs.writeSync(this.fd, chunk);
        this.rotate();
        chunk = '';
        chunkBytes = 0;
      }
      chunk += line;
      chunkBytes += bytes;
    }
    if (chunk !== '') fs.writeSync(this.fd, chunk);
    this.size += chunkBytes;
  }

  close(): void {
    fs.closeSync(this.fd);
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
