import Fastify, { type FastifyInstance } from 'fastify';
import type { CredentialProvider } from '../domain/ports.js';
import type { Logger } from '../platform/logger.js';
import { registerEcsRoutes } from './ecs-routes.js';
import { guardRequest, sendError } from './request-guard.js';

export interface ServerDeps {
  credentials: CredentialProvider;
  token: string;
  logger: Logger;
  /** The listening port once known, for the Host check. */
  port(): number | undefined;
}

/** The credential endpoints on 127.0.0.1. Never listens itself: the daemon does. */
export function buildServer(deps: ServerDeps): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: 1024,
    // SDK clients never need more; long headers are an attack, not a client.
    maxParamLength: 200,
    return503OnClosing: false,
    requestTimeout: 10_000,
    connectionTimeout: 10_000,
    keepAliveTimeout: 5_000,
  });
  app.addHook('onRequest', guardRequest({ port: deps.port }));
  registerEcsRoutes(app, deps);
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
