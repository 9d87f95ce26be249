import type { FastifyInstance, FastifyReply } from 'fastify';
import type { CredentialProvider } from '../domain/ports.js';
import { ecsCredentialsBody, JSON_CONTENT_TYPE } from '../protocol/ecs-credentials.js';
import { statusFor } from './http-status.js';
import type { AuditSink } from './audit-sink.js';
import { exactBody, sendError } from './request-guard.js';
import { TOKEN_SCOPE_MESSAGE, tokenOpens } from './token-check.js';
import { ROUTES } from '../protocol/routes.js';
import { isProfileName } from '../domain/profile-name.js';

const ECS_PATH = ROUTES.ecs;

export interface EcsRouteDeps {
  credentials: CredentialProvider;
  /** The daemon's token (it may be rotated while running). */
  token: () => string;
  audit?: AuditSink;
}

/**
 * The container credentials endpoint: `GET /v1/credentials` follows `credd switch`,
 * `GET /v1/credentials/PROFILE` is pinned to one profile.
 */
export function registerEcsRoutes(app: FastifyInstance, deps: EcsRouteDeps): void {
  // Returns nothing: a FastifyReply is thenable, so awaiting one would wait for the wrong thing.
  const answer = async (reply: FastifyReply, authorization: string | undefined, profile?: string): Promise<void> => {
    if (authorization === undefined) {
      sendError(reply, 401, 'MissingToken', 'The Authorization header is missing; run: eval "$(credd env)"');
      return;
    }
    const verdict = tokenOpens(authorization, deps.token(), profile);
    if (verdict !== 'ok') {
      sendError(reply, 403, 'InvalidToken', verdict === 'scope' ? TOKEN_SCOPE_MESSAGE : 'The Authorization token is not this daemon\'s; run: eval "$(credd env)"');
      return;
    }
    const result = await deps.credentials.serve(profile);
    if (!result.ok) {
      if (result.error.code === 'Pending') reply.header('retry-after', '1');
      sendError(reply, statusFor(result.error), result.error.code, result.error.message);
      return;
    }
    reply.code(200).header('content-type', JSON_CONTENT_TYPE).header('cache-control', 'no-store').send(exactBody(ecsCredentialsBody(result.creds)));
  };
  const serve = async (reply: FastifyReply, authorization: string | undefined, profile?: string): Promise<FastifyReply> => {
    await answer(reply, authorization, profile);
    deps.audit?.served({ profile: profile ?? deps.credentials.active ?? '-', endpoint: 'ecs', status: reply.statusCode, socket: reply.request.raw.socket });
    return reply;
  };

  app.get(ECS_PATH, (req, reply) => serve(reply, req.headers.authorization));
  app.get<{ Params: { profile: string } }>(`${ECS_PATH}/:profile`, (req, reply) => {
    const profile = req.params.profile;
    if (!isProfileName(profile)) {
      return sendError(reply, 400, 'InvalidProfileName', 'The profile name in the URL is not valid.');
    }
    return serve(reply, req.headers.authorization, profile);
  });
  for (const url of [ECS_PATH, `${ECS_PATH}/:profile`]) {
    app.route({
      method: ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'],
      url,
      handler: (_req, reply) => sendError(reply.header('allow', 'GET, HEAD'), 405, 'MethodNotAllowed', 'Only GET is served here.'),
    });
  }
}
