import fs from 'node:fs/promises';
import type { Socket } from 'node:net';
import { errorMessage } from '../domain/errors.js';
import type { Logger } from '../platform/logger.js';
import { findPeerProcess, type PeerProcess } from '../platform/peer-process.js';
import type { AuditEvent, AuditSink } from '../server/audit-sink.js';

export interface AuditEntry {
  at: string;
  profile: string;
  endpoint: 'ecs' | 'imds';
  status: number;
  pid?: number;
  command: string;
}

const MAX_CONCURRENT_LOOKUPS = 4;
const MAX_QUEUED = 64;

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
    const peer = this.peerOf(event.socket);
    const at = new Date().toISOString();
    void peer.then((p) =>
      this.append({ at, profile: event.profile, endpoint: event.endpoint, status: event.status, ...(p.pid !== undefined && { pid: p.pid }), command: this.redact(p.command) }),
    );
  }

  /** Resolves when every entry recorded so far is on disk (tests, shutdown). */
  flush(): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.running === 0 && this.queue.length === 0) void this.writing.then(() => resolve());
        else setTimeout(check, 10);
      };
      check();
    });
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

  /** Command lines can carry credentials: blank the daemon's token and anything after an auth-looking flag. */
  private redact(command: string): string {
    let out = command;
    for (const secret of this.secrets) if (secret.length >= 8) out = out.split(secret).join('[redacted]');
    return out
      .replace(/(authorization|x-aws-ec2-metadata-token|token|secret|password)(\s*[:=]\s*|\s+)\S+/gi, '$1$2[redacted]')
      .replace(/\b(AKIA|ASIA)[A-Z0-9]{12,}/g, (m) => `${m.slice(0, 4)}…${m.slice(-4)}`);
  }

  private append(entry: AuditEntry): void {
    this.writing = this.writing.then(async () => {
      try {
        const size = await fs.stat(this.file).then((s) => s.size, () => 0);
        if (size > this.maxBytes) await fs.rename(this.file, `${this.file}.1`);
        await fs.appendFile(this.file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
      } catch (err) {
        this.logger.warn({ err: errorMessage(err) }, 'could not write the audit log');
      }
    });
  }
}

/** The newest `limit` entries, oldest first, from the log and its rotated predecessor. */
export async function readAudit(file: string, limit: number): Promise<AuditEntry[]> {
  const texts = await Promise.all([`${file}.1`, file].map((f) => fs.readFile(f, 'utf8').catch(() => '')));
  const entries: AuditEntry[] = [];
  for (const line of texts.join('').split('\n')) {
    if (line.trim() === '') continue;
    try {
      entries.push(JSON.parse(line) as AuditEntry);
    } catch {
      // a torn line after a crash: skip it
    }
  }
  return entries.slice(-limit);
}
