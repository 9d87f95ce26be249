// An http.request client for tests that probe the daemon with odd requests: it never throws,
// whatever comes back (a cut connection is status 0 with the error).
import http from 'node:http';

export interface Reply { status: number; headers: http.IncomingHttpHeaders; body: string; ms: number; error?: string }

/** http.request that resolves on any outcome (status 0 + error on a cut connection). */
export function request(o: {
  port?: number; socketPath?: string; method?: string; path: string; headers?: Record<string, string | string[]>;
  body?: string | Buffer; agent?: http.Agent | false; timeoutMs?: number; setHost?: boolean;
}): Promise<Reply> {
  const started = performance.now();
  const headers = { ...o.headers };
  // Node sends a GET/DELETE/OPTIONS body unframed unless told its length.
  const framed = Object.keys(headers).some((k) => /^(content-length|transfer-encoding)$/i.test(k));
  if (o.body !== undefined && !framed) headers['content-length'] = String(Buffer.byteLength(o.body));
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: Omit<Reply, 'ms'>): void => {
      if (settled) return;
      settled = true;
      resolve({ ...r, ms: performance.now() - started });
    };
    const req = http.request(
      {
        ...(o.socketPath !== undefined ? { socketPath: o.socketPath } : { host: '127.0.0.1', port: o.port }),
        method: o.method ?? 'GET', path: o.path, headers,
        agent: o.agent ?? false,
        ...(o.setHost !== undefined && { setHost: o.setHost }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (e) => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), error: e.message }));
      },
    );
    req.on('error', (e) => done({ status: 0, headers: {}, body: '', error: e.message }));
    req.setTimeout(o.timeoutMs ?? 5_000, () => req.destroy(new Error('client timeout')));
    req.end(o.body);
  });
}
