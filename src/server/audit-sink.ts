import type { Socket } from 'node:net';

export interface AuditEvent {
  profile: string;
  endpoint: 'ecs' | 'imds';
  status: number;
  /** The client's connection, so the daemon can find which process it belongs to. */
  socket: Socket;
}

/** Told about every credential response; must return at once (the work happens later). */
export interface AuditSink {
  served(event: AuditEvent): void;
}
