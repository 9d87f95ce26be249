import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { CreddError } from '../domain/errors.js';

export class DaemonNotRunningError extends CreddError {
  constructor(socket: string) {
    super('DaemonNotRunning', `The credd daemon is not running (nothing answers on ${socket}); start it with: credd daemon --detach (or credd service install)`);
    this.name = 'DaemonNotRunningError';
  }
}

export interface DaemonClient {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
}

/**
 * An MFA code or a key must never go to a socket someone else made: the control socket must be
 * a socket owned by us (the state dir's check may be older than this request).
 */
function foreignSocket(socketPath: string): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(socketPath);
  } catch {
    return undefined;
  }
  const uid = process.getuid?.();
  if (!st.isSocket()) return `credd refuses to talk to ${socketPath}: it is not a socket.`;
  if (uid !== undefined && st.uid !== uid) return `credd refuses to talk to ${socketPath}: it is owned by uid ${st.uid}, not by you (uid ${uid}).`;
  return undefined;
}

/** Talks to the daemon's control API on its unix socket. Errors arrive as CreddErrors. */
export function daemonClient(socketPath: string, timeoutMs = 30_000): DaemonClient {
  const request = <T>(method: string, path: string, body?: unknown): Promise<T> =>
    new Promise((resolve, reject) => {
      const foreign = foreignSocket(socketPath);
      if (foreign !== undefined) return reject(new CreddError('UnsafeControlSocket', foreign));
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request(
        {
          // Straight to the socket, with no agent: the agent's TLS server-name step compiles
          // node's IPv6 regex, a sizeable share of a short command's start-up.
          createConnection: () => net.connect(socketPath),
          method,
          path,
          headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = JSON.parse(text);
            } catch {
              reject(new CreddError('BadDaemonAnswer', `The daemon answered something unreadable (HTTP ${res.statusCode}).`));
              return;
            }
            if ((res.statusCode ?? 500) >= 400) {
              const e = json as { code?: string; message?: string; details?: Record<string, string> };
              const details = e.details && typeof e.details === 'object' ? { details: e.details } : undefined;
              reject(new CreddError(e.code ?? 'DaemonError', e.message ?? `The daemon answered HTTP ${res.statusCode}.`, details));
              return;
            }
            resolve(json as T);
          });
        },
      );
      req.on('timeout', () => req.destroy(new CreddError('DaemonTimeout', `The daemon did not answer within ${timeoutMs / 1000} s.`)));
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err instanceof CreddError) reject(err);
        else if (['ENOENT', 'ECONNREFUSED', 'ENOTSOCK'].includes(err.code ?? '')) reject(new DaemonNotRunningError(socketPath));
        else reject(new CreddError('DaemonUnreachable', `Could not talk to the daemon: ${err.message}`));
      });
      req.end(payload);
    });
  return {
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body ?? {}),
  };
}
