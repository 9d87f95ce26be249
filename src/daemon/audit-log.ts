import type { Socket } from 'node:net';
import { errorMessage } from '../domain/errors.js';
import type { Logger } from '../platform/logger.js';
import type { Clock } from '../domain/ports.js';
import { findPeerProcess, type PeerProcess } from '../platform/peer-process.js';
import { systemClock } from '../platform/clock.js';
import { RotatingFile } from '../platform/rotating-file.js';
import type { AuditEvent, AuditSink } from '../server/audit-sink.js';
import { PeerLookups, type PeerLookup } from './peer-lookups.js';
import { redactCommand } from './redact-command.js';

const UNKNOWN_PEER: PeerProcess = { command: 'unknown' };

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

export interface AuditLogOptions {
  file: string;
  logger: Logger;
  /** Rotate past this size (one old file kept). */
  maxBytes?: number;
  lookup?: PeerLookup;
  /** Secrets that may show up in a client's command line (e.g. `curl -H "Authorization: $TOKEN"`); read at each write, so it may grow. */
  secrets?: () => readonly string[];
  /** Time of each entry and of the refused-requests window. */
  clock?: Pick<Clock, 'now'>;
}

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
  private readonly peers: PeerLookups;
  private writing: Promise<void> = Promise.resolve();
  private buffer: string[] = [];
  private dropped = 0;
  private refusedWindow = { second: 0, count: 0, skipped: 0 };
  private flushTimer: NodeJS.Timeout | undefined;
  private out: RotatingFile | undefined;
  private readonly file: string;
  private readonly logger: Logger;
  private readonly maxBytes: number;
  private readonly secrets: () => readonly string[];
  private readonly clock: Pick<Clock, 'now'>;

  constructor(opts: AuditLogOptions) {
    this.file = opts.file;
    this.logger = opts.logger;
    this.maxBytes = opts.maxBytes ?? 1024 * 1024;
    this.secrets = opts.secrets ?? (() => []);
    const lookup: PeerLookup = opts.lookup ?? ((conn, inode) => findPeerProcess(conn, inode === undefined ? {} : { inode }));
    // Redacted once per connection, not once per keep-alive request.
    this.peers = new PeerLookups(async (conn, inode) => {
      const p = await lookup(conn, inode);
      return { ...p, command: this.redact(p.command) };
    });
    this.clock = opts.clock ?? systemClock;
  }

  arrived(socket: Socket, inode?: string): void {
    void this.peers.of(socket, inode);
  }

  served(event: AuditEvent): void {
    if (event.status >= 400 && !this.admitRefused()) return;
    const at = this.isoNow();
    const line = (p: PeerProcess): AuditEntry => ({ at, profile: event.profile, endpoint: event.endpoint, status: event.status, ...(event.uid !== undefined && { uid: event.uid }), ...(p.pid !== undefined && { pid: p.pid }), command: p.command, ...(event.scope !== undefined && { scope: event.scope }) });
    // Keep-alive requests after the first: the connection's process is known, no promise per request.
    const known = event.foreign ? UNKNOWN_PEER : this.peers.known(event.socket);
    if (known) this.append(line(known));
    else void this.peers.of(event.socket).then((p) => this.append(line(p)));
  }

  /** Resolves when every entry recorded so far is on disk (tests, shutdown). */
  flush(): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (!this.peers.busy) {
          this.writeOut();
          void this.writing.then(() => resolve());
        } else setTimeout(check, 10);
      };
      check();
    });
  }

  private admitRefused(): boolean {
    const second = Math.floor(this.clock.now() / 1000);
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

  private redact(command: string): string {
    return redactCommand(command, this.secrets());
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
      this.buffer.push(`${JSON.stringify({ at: this.isoNow(), profile: '-', endpoint: 'ecs', status: 0, command: `${this.dropped} entries dropped: requests came faster than the audit log is written` })}\n`);
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

  private isoNow(): string {
    return new Date(this.clock.now()).toISOString();
  }
}
