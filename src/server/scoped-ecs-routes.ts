import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ServeResult } from '../domain/ports.js';
import { userSlotText } from '../domain/session-scope.js';
import { ecsCredentialsBody, JSON_CONTENT_TYPE } from '../protocol/ecs-credentials.js';
import type { AuditSink } from './audit-sink.js';
import { ROUTES } from '../protocol/routes.js';
import { statusFor } from './http-status.js';
import { exactBody, sendError } from './request-guard.js';
import { LEASE_SCOPE_MESSAGE, tokenOpens } from './token-check.js';

const PROFILE_NAME = /^[\w.@+=,:-]{1,128}$/;
const LEASE_ID = /^[A-Za-z0-9_-]{16,64}$/;

/** A live `credd exec` lease: which profile and scope it opens, and the broker slot that serves it. */
export interface LeaseView {
  profile: string;
  scope: string;
  slot: string;
  /** Policy ARNs / "inline policy", for the audit. */
  label?: string;
}

export interface ScopedRouteDeps {
  /** undefined once the exec's child has exited (or never existed). */
  lease(id: string): LeaseView | undefined;
  serve(slot: string): Promise<ServeResult>;
  token: () => string;
  audit?: AuditSink;
}

/**
 * `GET /v1/credentials/PROFILE/scoped/LEASE`: a down-scoped slot, for one exec's child. Its
 * token is derived from the daemon's token, the profile, the scope and the lease, so it opens
 * nothing else, and it stops working as soon as the lease ends.
 */
export function registerScopedEcsRoutes(app: FastifyInstance, deps: ScopedRouteDeps): void {
  const answer = async (reply: FastifyReply, authorization: string | undefined, profile: string, lease: string, view: LeaseView | undefined): Promise<void> => {
    if (authorization === undefined) {
      sendError(reply, 401, 'MissingToken', 'The Authorization header is missing; run the program under credd exec again.');
      return;
    }
    if (view === undefined || view.profile !== profile) {
      sendError(reply, 403, 'LeaseEnded', 'This down-scoped URL belongs to a credd exec that has ended; run the program under credd exec again.');
      return;
    }
    const verdict = tokenOpens(authorization, deps.token(), profile, { scope: view.scope, id: lease });
    if (verdict !== 'ok') {
      sendError(reply, 403, 'InvalidToken', verdict === 'scope' ? LEASE_SCOPE_MESSAGE : 'The Authorization token is not this daemon\'s.');
      return;
    }
    const result = await deps.serve(view.slot);
    if (!result.ok) {
      if (result.error.code === 'Pending') reply.header('retry-after', '1');
      sendError(reply, statusFor(result.error), result.error.code, userSlotText(result.error.message, view.slot, view.profile, view.label));
      return;
    }
    reply.code(200).header('content-type', JSON_CONTENT_TYPE).header('cache-control', 'no-store').send(exactBody(ecsCredentialsBody(result.creds)));
  };

  app.get<{ Params: { profile: string; lease: string } }>(ROUTES.ecsScoped, async (req, reply) => {
    const { profile, lease } = req.params;
    if (!PROFILE_NAME.test(profile) || !LEASE_ID.test(lease)) return sendError(reply, 400, 'InvalidProfileName', 'The profile or lease in the URL is not valid.');
    const view = deps.lease(lease);
    await answer(reply, req.headers.authorization, profile, lease, view);
    deps.audit?.served({ profile, endpoint: 'ecs', status: reply.statusCode, socket: reply.request.raw.socket, ...(view?.label !== undefined && { scope: view.label }) });
    return reply;
  });
}
