import type { Socket } from 'node:net';
import type { PeerProcess } from '../platform/peer-process.js';
import { connectionOf, type Connection } from '../platform/tcp-table.js';

const MAX_CONCURRENT_LOOKUPS = 4;
const MAX_QUEUED = 64;

/**
 * Finds which process owns a client's connection (the real one reads /proc on Linux, lsof
 * elsewhere); `inode`, when known, is the client socket's (see AuditSink.arrived).
 */
export type PeerLookup = (conn: Connection, inode?: string) => Promise<PeerProcess>;

/**
 * Which process is at the other end of each connection, looked up once per connection and a
 * few at a time; under a flood the answer is "unknown" rather than a growing queue.
 */
export class PeerLookups {
  private readonly peers = new WeakMap<Socket, Promise<PeerProcess>>();
  private readonly found = new WeakMap<Socket, PeerProcess>();
  private running = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly lookup: PeerLookup) {}

  /** True while lookups are running or waiting. */
  get busy(): boolean {
    return this.running > 0 || this.queue.length > 0;
  }

  /** The answer for a connection whose lookup has finished (every keep-alive request after the first, usually). */
  known(socket: Socket): PeerProcess | undefined {
    return this.found.get(socket);
  }

  of(socket: Socket, inode?: string): Promise<PeerProcess> {
    const known = this.peers.get(socket);
    if (known) return known;
    const conn = connectionOf(socket);
    const result =
      conn === undefined || this.queue.length >= MAX_QUEUED
        ? Promise.resolve<PeerProcess>({ command: 'unknown' })
        : new Promise<PeerProcess>((resolve) => {
            this.queue.push(() => {
              this.running++;
              this.lookup(conn, inode)
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
    void result.then((p) => this.found.set(socket, p));
    return result;
  }
}
