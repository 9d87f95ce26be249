import Fastify, { type FastifyInstance } from 'fastify';
import type { CredentialProvider } from '../domain/ports.js';
import type { Logger } from '../platform/logger.js';
import type { AuditSink } from './audit-sink.js';
import { registerEcsRoutes } from './ecs-routes.js';
import { registerImdsRoutes } from './imds-routes.js';
import { ImdsTokens } from './imds-tokens.js';
import { guardRequest, sendError } from './request-guard.js';

export interface ServerDeps {
  credentials: CredentialProvider;
  token: string;
  logger: Logger;
  /** The listening port once known, for the Host check. */
  port(): number | undefined;
  imds?: { allowV1?: boolean; defaultRegion?: string };
  /** Extra Host names accepted (e.g. a link-local address the user mapped to us). */
  extraHosts?: readonly string[];
  now?: () => number;
  audit?: AuditSink;
}

/** Collapses `//` in the path (Java appends `/latest` to an endpoint ending in `/`). */
export function collapseSlashes(url: string): string {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const rest = q === -1 ? '' : url.slice(q);
  return path.replace(/\/{2,}/g, '/') + rest;
}

/** The credential endpoints on 127.0.0.1 (ECS and IMDSv2). Never listens itself: the daemon does. */
export function buildServer(deps: ServerDeps): FastifyInstance {
  const now = deps.now ?? Date.now;
  const app = Fastify({
    logger: false,
    bodyLimit: 1024,
    // SDK clients never need more; long paths and slow requests are attacks, not clients.
    routerOptions: { maxParamLength: 200 },
    return503OnClosing: false,
    requestTimeout: 10_000,
    connectionTimeout: 10_000,
    keepAliveTimeout: 5_000,
    rewriteUrl: (req) => collapseSlashes(req.url ?? '/'),
    // Slow-loris: a client gets 5 s to send its headers, then the socket is cut. Node checks
    // these timeouts only every connectionsCheckingInterval (30 s by default).
    http: { headersTimeout: 5_000, requestTimeout: 10_000, connectionsCheckingInterval: 1_000 },
  });
  app.addHook('onRequest', guardRequest({ port: deps.port, ...(deps.extraHosts && { extraHosts: deps.extraHosts }) }));
  if (deps.audit) {
    const audit = deps.audit;
    app.addHook('onRequest', async (req) => {
      const url = req.url;
      if (url.startsWith('/v1/credentials') || url.startsWith('/latest/meta-data/iam/security-credentials')) audit.arrived(req.raw.socket);
    });
  }
  registerEcsRoutes(app, deps);
  registerImdsRoutes(app, {
    credentials: deps.credentials,
    tokens: new ImdsTokens(now),
    allowV1: deps.imds?.allowV1 ?? false,
    defaultRegion: deps.imds?.defaultRegion ?? 'us-east-1',
    startedAt: new Date(now()),
    ...(deps.audit && { audit: deps.audit }),
  });
  app.setNotFoundHandler((_req, reply) => sendError(reply, 404, 'NotFound', 'Nothing is served at this path.'));
  app.setErrorHandler((err: { statusCode?: number; code?: string; message?: string }, req, reply) => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) deps.logger.error({ err: err.message, path: req.routeOptions.url }, 'request failed');
    return sendError(reply, status, err.code ?? 'BadRequest', status === 500 ? 'credd hit an internal error.' : (err.message ?? 'Bad request.'));
  });
  app.addHook('onResponse', async (req, reply) => {
    deps.logger.debug({ method: req.method, route: req.routeOptions.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });
  return app;
}
