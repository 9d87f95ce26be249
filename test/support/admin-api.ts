// The HTTP side of an emulator's test-only admin API (`/__admin/<verb>`, JSON): loopback
// callers only, POST (GET for read-only verbs), a JSON object body, errors as {"error"}.
// Each emulator supplies its verbs; test/shared/admin-client.ts is the other end.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdminBody } from './admin-fields.js';

export interface AdminVerbs {
  /** Verbs that change nothing and may be called with GET. */
  readOnly: ReadonlySet<string>;
  /** Runs a verb; throws for a bad body or an unknown verb (answered 400). */
  run(verb: string, body: AdminBody): unknown;
}

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::ffff:127.0.0.1' || address === '::1';
}

function reply(res: ServerResponse, status: number, payload: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(payload);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
}

export function handleAdmin(verbs: AdminVerbs, req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): void {
  if (!isLoopback(req.socket.remoteAddress)) return reply(res, 403, { error: 'admin API is loopback-only' });
  const verb = url.pathname.slice('/__admin/'.length);
  if (req.method !== 'POST' && !(req.method === 'GET' && verbs.readOnly.has(verb))) {
    return reply(res, 405, { error: `use POST (GET only for ${[...verbs.readOnly].join(', ')})` });
  }
  let parsed: AdminBody;
  try {
    const text = body.toString('utf8').trim();
    const value: unknown = text === '' ? {} : JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('body must be a JSON object');
    parsed = value as AdminBody;
  } catch (err) {
    return reply(res, 400, { error: `bad JSON body: ${err instanceof Error ? err.message : String(err)}` });
  }
  try {
    reply(res, 200, verbs.run(verb, parsed));
  } catch (err) {
    reply(res, 400, { error: err instanceof Error ? err.message : String(err) });
  }
}
