import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { connectionOf, type Connection, type PeerRow } from '../platform/tcp-table.js';
import { sendError } from './request-guard.js';

/** How the daemon learns which local user is at the other end of a TCP connection. */
export interface PeerUidCheck {
  /** The uid (and socket inode) of the client end of this exact connection (both addresses, both ports); undefined when unknown. */
  lookup(conn: Connection): Promise<PeerRow | undefined>;
  /** The only uid served: the daemon's own. */
  allowedUid: number;
}

export interface PeerGuard {
  /** Starts the lookup as the connection opens, so it runs while the headers are still arriving. */
  connected(socket: Socket): void;
  /** The uid found for a connection, once known (for the audit line). */
  uidOf(socket: Socket): number | undefined;
  /** The client socket's inode, once known: the audit's process lookup needs no second read of the table. */
  inodeOf(socket: Socket): string | undefined;
  /**
   * Refuses every request on a connection from another uid, before any credential work: calls
   * `next(true)` when the request may go on, else answers 403 and calls `next(false)`. Synchronous
   * once the connection's uid is known (every keep-alive request after the first).
   */
  check(req: FastifyRequest, reply: FastifyReply, next: (allowed: boolean) => void): void;
}

/**
 * Other local users can reach 127.0.0.1 too; a token or an IMDS session token proves nothing
 * about who holds it. The uid is looked up once per connection (keep-alive requests reuse it).
 */
export function peerGuard(check: PeerUidCheck): PeerGuard {
  const pending = new WeakMap<Socket, Promise<PeerRow | undefined>>();
  const known = new WeakMap<Socket, PeerRow>();
  const lookup = (socket: Socket): Promise<PeerRow | undefined> => {
    let p = pending.get(socket);
    if (p === undefined) {
      const conn = connectionOf(socket);
      p = conn === undefined ? Promise.resolve(undefined) : check.lookup(conn).catch(() => undefined);
      p = p.then((row) => {
        if (row !== undefined) known.set(socket, row);
        return row;
      });
      pending.set(socket, p);
    }
    return p;
  };
  return {
    connected: (socket) => void lookup(socket),
    uidOf: (socket) => known.get(socket)?.uid,
    inodeOf: (socket) => known.get(socket)?.inode,
    check: (req, reply, next) => {
      let decided = false;
      const decide = (row: PeerRow | undefined): void => {
        const uid = row?.uid;
        if (uid === check.allowedUid) {
          decided = true;
          return next(true);
        }
        const why =
          uid === undefined
            ? 'credd could not tell which local user opened this connection, so it refuses it.'
            : `credd serves only its own user (uid ${check.allowedUid}); this connection belongs to uid ${uid}.`;
        sendError(reply, 403, 'ForeignUser', why);
        decided = true;
        next(false);
      };
      const socket = req.raw.socket;
      if (known.has(socket)) decide(known.get(socket));
      else {
        // Off the hook's own call: whatever throws from here on must not become an unhandled
        // rejection (it would end the daemon). The request gets a 500 if nothing was sent.
        lookup(socket)
          .then(decide)
          .catch(() => {
            try {
              // Only before a decision: after next(true) the request belongs to the route.
              if (!decided && !reply.sent) sendError(reply, 500, 'InternalError', 'credd hit an internal error.');
            } catch {
              // the connection is gone
            }
          });
      }
    },
  };
}
