import Fastify, { type FastifyInstance } from 'fastify';
import type { CredentialProvider } from '../domain/ports.js';
import type { Logger } from '../platform/logger.js';
import type { AuditSink } from './audit-sink.js';
import { registerEcsRoutes } from './ecs-routes.js';
import { registerImdsRoutes } from './imds-routes.js';
import { registerScopedEcsRoutes, type ScopedRouteDeps } from './scoped-ecs-routes.js';
import { ImdsTokens } from './imds-tokens.js';
import { registerImdsOff } from './imds-off.js';
import { peerGuard, type PeerGuard, type PeerUidCheck } from './peer-guard.js';
import { guardRequest, sendError } from './request-guard.js';
import { ROUTES } from '../protocol/routes.js';
import { IDLE_CHECK_MS, socketDeadlines } from './socket-deadlines.js';

export interface ServerDeps {
  credentials: CredentialProvider;
  /** The daemon's token; a function when it can be rotated while running. */
  token: string | (() => string);
  logger: Logger;
  /** The listening port once known, for the Host check. */
  port(): number | undefined;
  /** `enabled: false` turns the IMDS emulation off (`why` is the 404's message). */
  imds?: { enabled?: boolean; why?: string; allowV1?: boolean; defaultRegion?: string };
  /** Refuse connections from other local users (Linux); absent where no uid lookup exists. */
  peerUid?: PeerUidCheck;
  /** Open connections beyond this are closed at once: one process must not hold memory forever. */
  maxConnections?: number;
  /** Extra Host names accepted (e.g. a link-local address the user mapped to us). */
  extraHosts?: readonly string[];
  now?: () => number;
  audit?: AuditSink;
  /** Down-scoped `credd exec` slots; without it, their URLs are not served. */
  scoped?: Pick<ScopedRouteDeps, 'lease' | 'serve'>;
  /** The session scope a profile's own keys give it, for the audit line. */
  scopeOf?(profile: string): string | undefined;
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
    // Node's own check of these runs on an interval even with no connection open: kept only as
    // a backstop, rarely. Slow sockets are cut by socketDeadlines, per socket.
    http: { headersTimeout: 5_000, requestTimeout: 10_000, connectionsCheckingInterval: IDLE_CHECK_MS },
  });
  // Slow-loris: a client gets 5 s to send its headers and 10 s for the rest, then the socket is cut.
  socketDeadlines(app.server, { headersMs: 5_000, requestMs: 10_000 });
  app.server.maxConnections = deps.maxConnections ?? 4096;
  const guard = deps.peerUid && peerGuard(deps.peerUid);
  if (guard) app.server.on('connection', guard.connected);
  const scopedAudit = deps.audit && deps.scopeOf ? withScope(deps.audit, deps.scopeOf) : deps.audit;
  const audit = scopedAudit && guard ? withUid(scopedAudit, guard) : scopedAudit;
  const credentialPath = (url: string): boolean => url.startsWith(ROUTES.ecs) || url.startsWith(ROUTES.imdsCredentials);
  // The hooks on the request path are callback-style and synchronous whenever they can be: an
  // async hook costs every request a promise. A hook that answers does not call `done`.
  // The peer-uid check comes first: a connection it refuses starts no process lookup.
  if (guard) {
    app.addHook('onRequest', (req, reply, done) => {
      guard.check(req, reply, (allowed) => {
        if (allowed) return done();
        if (audit && credentialPath(req.url)) audit.served({ profile: '-', endpoint: req.url.startsWith('/latest') ? 'imds' : 'ecs', status: reply.statusCode, socket: req.raw.socket, foreign: true });
      });
    });
  }
  if (audit) {
    app.addHook('onRequest', (req, _reply, done) => {
      if (credentialPath(req.url)) audit.arrived(req.raw.socket);
      done();
    });
  }
  app.addHook('onRequest', guardRequest({ port: deps.port, ...(deps.extraHosts && { extraHosts: deps.extraHosts }) }));
  const token = deps.token;
  const tokenFn = typeof token === 'string' ? () => token : token;
  registerEcsRoutes(app, { credentials: deps.credentials, token: tokenFn, ...(audit && { audit }) });
  if (deps.scoped) registerScopedEcsRoutes(app, { ...deps.scoped, token: tokenFn, ...(audit && { audit }) });
  if (deps.imds?.enabled === false) registerImdsOff(app, deps.imds.why ?? 'The IMDS endpoint is off in this credd.');
  else {
    registerImdsRoutes(app, {
      credentials: deps.credentials,
      tokens: new ImdsTokens(now),
      allowV1: deps.imds?.allowV1 ?? false,
      defaultRegion: deps.imds?.defaultRegion ?? 'us-east-1',
      startedAt: new Date(now()),
      ...(audit && { audit }),
    });
  }
  app.setNotFoundHandler((_req, reply) => sendError(reply, 404, 'NotFound', 'Nothing is served at this path.'));
  app.setErrorHandler((err: { statusCode?: number; code?: string; message?: string }, req, reply) => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) deps.logger.error({ err: err.message, path: req.routeOptions.url }, 'request failed');
    return sendError(reply, status, err.code ?? 'BadRequest', status === 500 ? 'credd hit an internal error.' : (err.message ?? 'Bad request.'));
  });
  // Built only at debug level (fixed when the daemon starts): otherwise every request would pay for it.
  if (deps.logger.isLevelEnabled('debug')) {
    app.addHook('onResponse', (req, reply, done) => {
      deps.logger.debug({ method: req.method, route: req.routeOptions.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
      done();
    });
  }
  return app;
}

/** Adds the connection's uid (known by the time a request is answered) to every audit line, and hands on its socket inode. */
function withUid(inner: AuditSink, guard: PeerGuard): AuditSink {
  return {
    arrived: (socket) => inner.arrived(socket, guard.inodeOf(socket)),
    served: (event) => {
      const uid = guard.uidOf(event.socket);
      inner.served(uid === undefined ? event : { ...event, uid });
    },
  };
}

/** Names the scope of a profile whose own config narrows it (the scoped route names its own). */
function withScope(inner: AuditSink, scopeOf: (profile: string) => string | undefined): AuditSink {
  return {
    arrived: (socket, inode) => inner.arrived(socket, inode),
    served: (event) => {
      const scope = event.scope ?? (event.profile === '-' ? undefined : scopeOf(event.profile));
      inner.served(scope === undefined ? event : { ...event, scope });
    },
  };
}
