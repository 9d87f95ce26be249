import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** Node's own connection scan, kept as a rare backstop: an idle daemon must not wake up for it. */
export const IDLE_CHECK_MS = 3_600_000;

export interface Deadlines {
  /** From the connection (or the end of the previous request's grace) to complete headers. */
  headersMs: number;
  /** From complete headers to the end of the request and its answer. */
  requestMs: number;
}

interface Watch {
  deadline: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Slow-loris defence with no timer while nothing is connected. Node enforces headersTimeout and
 * requestTimeout by scanning every connection on an interval that runs even with none open
 * (a wake-up every second for an idle daemon, all day). Here each socket carries one deadline
 * and at most one timer: a request just moves the deadline (a number, no timer work), and the
 * timer, when it fires early, re-arms itself for what is left. The socket's end clears it.
 */
export function socketDeadlines(server: Server, limits: Deadlines, now: () => number = performance.now.bind(performance)): void {
  const watches = new WeakMap<Socket, Watch>();
  const arm = (socket: Socket, watch: Watch, ms: number): void => {
    watch.timer = setTimeout(() => {
      watch.timer = undefined;
      const left = watch.deadline - now();
      if (left <= 0) socket.destroy();
      else arm(socket, watch, left);
    }, ms);
    // The socket, not this timer, is what keeps the process alive.
    watch.timer.unref();
  };
  server.on('connection', (socket: Socket) => {
    const watch: Watch = { deadline: now() + limits.headersMs, timer: undefined };
    watches.set(socket, watch);
    arm(socket, watch, limits.headersMs);
    socket.once('close', () => {
      if (watch.timer) clearTimeout(watch.timer);
      watch.timer = undefined;
    });
  });
  server.on('request', (req) => {
    const watch = watches.get(req.socket);
    // Keep-alive: a client quiet after this answer is closed by keepAliveTimeout; one that
    // trickles its next request is still held to this deadline, moved by each complete request.
    if (watch) watch.deadline = now() + limits.requestMs;
  });
}
