import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from '../protocol/error-body.js';
import { JSON_CONTENT_TYPE } from '../protocol/ecs-credentials.js';

/** Headers only browsers send; SDKs never do. Refusing them stops CSRF and DNS rebinding from pages. */
const BROWSER_HEADERS = ['origin', 'referer'];

function browserHeader(headers: Record<string, unknown>): string | undefined {
  for (const name of Object.keys(headers)) if (BROWSER_HEADERS.includes(name) || name.startsWith('sec-fetch-')) return name;
  return undefined;
}

/** RFC 9112 §3.2: a request with more than one Host is refused (Node would keep the first). */
function hostCount(rawHeaders: string[]): number {
  let n = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]?.toLowerCase() === 'host') n++;
  return n;
}

export interface GuardOptions {
  /** The port we listen on, once known; a Host naming another port is refused. */
  port(): number | undefined;
  /** Extra host names the user mapped to us (e.g. the link-local IMDS address). */
  extraHosts?: readonly string[];
}

/**
 * A Buffer body keeps the Content-Type exactly as set: for strings fastify appends
 * "; charset=utf-8", which some clients compare literally.
 */
export function exactBody(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

export function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).header('content-type', JSON_CONTENT_TYPE).header('cache-control', 'no-store').send(exactBody(errorBody(code, message)));
}

/**
 * Host and browser checks for every request on the TCP listener (docs/architecture.md, Security
 * model). A callback-style hook: it decides synchronously, and a refused request is answered
 * here and goes no further (`done` is not called), so no promise is made per request.
 */
export function guardRequest(opts: GuardOptions) {
  const names = new Set(['127.0.0.1', 'localhost', ...(opts.extraHosts ?? [])]);
  return (req: FastifyRequest, reply: FastifyReply, done: () => void): void => {
    const host = req.headers.host;
    if (host === undefined || hostCount(req.raw.rawHeaders) !== 1 || !hostAllowed(host, names, opts.port())) {
      sendError(reply, 400, 'InvalidHost', 'credd answers only requests addressed to 127.0.0.1 or localhost on its own port.');
      return;
    }
    const browser = browserHeader(req.headers);
    if (browser !== undefined) {
      sendError(reply, 403, 'BrowserRequestRefused', `credd refuses requests that carry the browser header ${browser}.`);
      return;
    }
    done();
  };
}

function hostAllowed(host: string, names: Set<string>, port: number | undefined): boolean {
  const m = /^([^:]+|\[[^\]]+\])(?::(\d{1,5}))?$/.exec(host.trim().toLowerCase());
  if (!m || !m[1] || !names.has(m[1])) return false;
  if (m[2] === undefined || port === undefined) return true;
  return Number(m[2]) === port;
}
