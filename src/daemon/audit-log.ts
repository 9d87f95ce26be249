import type { Socket } from 'node:net';
import { errorMessage } from '../domain/errors.js';
import type { Logger } from '../platform/logger.js';
import { findPeerProcess, type PeerProcess } from '../platform/peer-process.js';
import { readTail } from '../platform/read-tail.js';
import { RotatingFile } from '../platform/rotating-file.js';
import type { AuditEvent, AuditSink } from '../server/audit-sink.js';
import { auditEntry } from './audit-entry.js';
import { redactCommand } from './redact-command.js';

export interface AuditEntry {
  at: string;
  profile: string;
  endpoint: 'ecs' | 'imds';
  status: number;
  /** The client's uid, where the daemon can tell (Linux). */
  uid?: number;
  pid?: number;
  command: string;
  /** Session policies the served credentials carry: policy ARNs / "inline policy"; absent for the whole role. */
  scope?: string;
}

const MAX_CONCURRENT_LOOKUPS = 4;
const MAX_QUEUED = 64;
/** Lines waiting for the disk; beyond this they are counted, not kept (a flood must not grow memory). */
const MAX_BUFFERED = 2_000;
/** Refused requests (4xx) recorded per second; the rest are summarised, so a flood cannot push real entries out. */
const REFUSED_PER_SECOND = 20;

/**
 * Who fetched which credentials: one JSON line per credential response in
 * `$CREDD_HOME/audit.log`, rotated at `maxBytes` (one old file kept). The owning process is
 * looked up after the response is on its way, a few at a time; under a flood, "unknown".
 * Holds no secrets: profile, endpoint, status, pid and command line only.
 */
export class AuditLog implements AuditSink {
  private readonly peers = new WeakMap<Socket, Promise<PeerProcess>>();
  private running = 0;
  private readonly queue: Array<() => void> = [];
  private writing: Promise<void> = Promise.resolve();
  private buffer: string[] = [];
  private dropped = 0;
  private refusedWindow = { second: 0, count: 0, skipped: 0 };
  private flushTimer: NodeJS.Timeout | undefined;
  private out: RotatingFile | undefined;

  constructor(
    private readonly file: string,
    private readonly serverPort: () => number,
    private readonly logger: Logger,
    private readonly maxBytes = 1024 * 1024,
    private readonly lookup: (clientPort: number, serverPort: number) => Promise<PeerProcess> = findPeerProcess,
    /** Secrets that may show up in a client's command line (e.g. `curl -H "Authorization: $TOKEN"`). */
    private readonly secrets: readonly string[] = [],
  ) {}

  arrived(socket: Socket): void {
    void this.peerOf(socket);
  }

  served(event: AuditEvent): void {
    if (event.status >= 400 && !this.admitRefused()) return;
    const peer = this.peerOf(event.socket);
    const at = new Date().toISOString();
    void peer.then((p) =>
      this.append({ at, profile: event.profile, endpoint: event.endpoint, status: event.status, ...(event.uid !== undefined && { uid: event.uid }), ...(p.pid !== undefined && { pid: p.pid }), command: this.redact(p.command), ...(event.scope !== undefined && { scope: event.scope }) }),
    );
  }

  /** Resolves when every entry recorded so far is on disk (tests, shutdown). */
  flush(): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.running === 0 && this.queue.length === 0) {
          this.writeOut();
          void this.writing.then(() => resolve());
        } else setTimeout(check, 10);
      };
      check();
    });
  }

  private admitRefused(): boolean {
    const second = Math.floor(Date.now() / 1000);
    const w = this.refusedWindow;
    if (w.second !== second) {
      if (w.skipped > 0) this.bufferLine({ at: new Date(w.second * 1000).toISOString(), profile: '-', endpoint: 'ecs', status: 0, command: `${w.skipped} more refused requests in this second, not recorded one by one` });
      this.refusedWindow = { second, count: 0, skipped: 0 };
    }
    if (this.refusedWindow.count >= REFUSED_PER_SECOND) {
      this.refusedWindow.skipped++;
      return false;
    }
    this.refusedWindow.count++;
    return true;
  }

  private peerOf(socket: Socket): Promise<PeerProcess> {
    const known = this.peers.get(socket);
    if (known) return known;
    const clientPort = socket.remotePort;
    const result =
      clientPort === undefined || this.queue.length >= MAX_QUEUED
        ? Promise.resolve<PeerProcess>({ command: 'unknown' })
        : new Promise<PeerProcess>((resolve) => {
            this.queue.push(() => {
              this.running++;
              this.lookup(clientPort, this.serverPort())
                .catch((): PeerProcess => ({ command: 'unknown' }))
                .then(resolve)
                .finally(() => {
                  this.running--;
                  this.queue.shift()?.();
                });
            });
            if (this.running < MAX_CONCURRENT_LOOKUPS) this.queue.shift()?.();
          });
    this.peers.set(socket, result);
    return result;
  }

  private redact(command: string): string {
    return redactCommand(command, this.secrets);
  }

  private append(entry: AuditEntry): void {
    this.bufferLine(entry);
  }

  /** Lines are written in batches (one append per 200 ms at most): the audit must not cost each request a syscall. */
  private bufferLine(entry: AuditEntry): void {
    if (this.buffer.length >= MAX_BUFFERED) {
      this.dropped++;
      return;
    }
    this.buffer.push(`${JSON.stringify(entry)}\n`);
    this.flushTimer ??= setTimeout(() => this.writeOut(), 200);
  }

  private writeOut(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.dropped > 0) {
      this.buffer.push(`${JSON.stringify({ at: new Date().toISOString(), profile: '-', endpoint: 'ecs', status: 0, command: `${this.dropped} entries dropped: requests came faster than the audit log is written` })}\n`);
      this.dropped = 0;
    }
    if (this.buffer.length === 0) return;
    const lines = this.buffer;
    this.buffer = [];
    this.writing = this.writing.then(() => {
      try {
        this.out ??= new RotatingFile(this.file, this.maxBytes);
        this.out.writeLines(lines);
      } catch (err) {
        // Reopened on the next batch: a full disk or a removed directory must not stop the daemon.
        try {
          this.out?.close();
        } catch {
          // already unusable
        }
        this.out = undefined;
        this.logger.warn({ err: errorMessage(err) }, 'could not write the audit log');
      }
    });
  }
}

/**
 * The newest `limit` entries, oldest first, from the log and its rotated predecessor. Lines
 * that are not entries credd wrote (torn by a crash, forged, garbled) are skipped and counted
 * for `skipped`; only each file's last few MiB are read, however large it was made.
 */
export async function readAudit(file: string, limit: number, skipped?: (count: number) => void): Promise<AuditEntry[]> {
  const texts = await Promise.all([`${file}.1`, file].map((f) => readTail(f, 8 * 1024 * 1024)));
  const entries: AuditEntry[] = [];
  let bad = 0;
  for (const line of texts.join('').split('\n')) {
    if (line.trim() === '') continue;
    const entry = auditEntry(line);
    if (entry) entries.push(entry);
    else bad++;
  }
  if (bad > 0) skipped?.(bad);
  return entries.slice(-limit);
}
