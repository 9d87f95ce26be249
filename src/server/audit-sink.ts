import type { Socket } from 'node:net';

export interface AuditEvent {
  profile: string;
  endpoint: 'ecs' | 'imds';
  status: number;
  /** The client's connection, so the daemon can find which process it belongs to. */
  socket: Socket;
  /** The local user at the other end, where the daemon can tell (Linux). */
  uid?: number;
  /** The session scope served: policy ARNs, "inline policy"; absent for the whole role. */
  scope?: string;
  /**
   * Set for a connection refused as another user's: its process is not looked up (without root
   * the daemon cannot read another user's fds, and each try would scan every process).
   */
  foreign?: true;
}

/** Told about every credential request; both calls must return at once (the work happens later). */
export interface AuditSink {
  /**
   * A credential request arrived: look up its process now, while a one-shot client is still
   * connected. `inode`: the client socket's inode where the caller already read it (Linux: the
   * peer-uid check), so the lookup starts there instead of reading the socket table again.
   */
  arrived(socket: Socket, inode?: string): void;
  served(event: AuditEvent): void;
}
