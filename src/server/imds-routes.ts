import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CredentialProvider } from '../domain/ports.js';
import { imdsCredentialsBody, imdsInfoBody } from '../protocol/imds.js';
import { statusFor } from './http-status.js';
import { imdsStaticAnswer } from './imds-static.js';
import type { AuditSink } from './audit-sink.js';
import type { ImdsTokens } from './imds-tokens.js';
import { exactBody, sendError } from './request-guard.js';
import { ROUTES } from '../protocol/routes.js';

export interface ImdsDeps {
  credentials: CredentialProvider;
  tokens: ImdsTokens;
  /** Answer GETs without a session token (IMDSv1). Off unless the user turns it on. */
  allowV1: boolean;
  defaultRegion: string;
  startedAt: Date;
  audit?: AuditSink;
}

const PROXY_HEADERS = ['x-forwarded-for', 'forwarded', 'via'];
const TOKEN_HEADER = 'x-aws-ec2-metadata-token';
const TTL_HEADER = 'x-aws-ec2-metadata-token-ttl-seconds';
const CREDS = 'meta-data/iam/security-credentials';
const CREDS_EXTENDED = 'meta-data/iam/security-credentials-extended';

function text(reply: FastifyReply, body: string): FastifyReply {
  return reply.code(200).header('content-type', 'text/plain').header('cache-control', 'no-store').send(exactBody(body));
}

/** IMDSv2 on the daemon's own port: `AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:PORT/`. */
export function registerImdsRoutes(app: FastifyInstance, deps: ImdsDeps): void {
  app.put(ROUTES.imdsToken, (req, reply) => {
    // EC2 refuses token requests that went through a proxy; so do we, whichever header the proxy used.
    const proxied = PROXY_HEADERS.find((h) => req.headers[h] !== undefined);
    if (proxied !== undefined) {
      return sendError(reply, 403, 'Forbidden', `IMDS token requests must not carry ${proxied} (they look proxied).`);
    }
    const raw = req.headers[TTL_HEADER];
    const ttl = typeof raw === 'string' && /^\d{1,5}$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
    if (!(ttl >= 1 && ttl <= 21_600)) {
      return sendError(reply, 400, 'InvalidTtl', `The ${TTL_HEADER} header must be a whole number from 1 to 21600.`);
    }
    return text(reply.header(TTL_HEADER, String(ttl)), deps.tokens.issue(ttl));
  });
  app.route({
    method: ['GET', 'POST', 'DELETE', 'PATCH', 'OPTIONS'],
    url: ROUTES.imdsToken,
    handler: (_req, reply) => sendError(reply.header('allow', 'PUT'), 405, 'MethodNotAllowed', 'Ask for a token with PUT.'),
  });

  const metadata = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const token = req.headers[TOKEN_HEADER];
    if (!deps.allowV1 && !deps.tokens.valid(typeof token === 'string' ? token : undefined)) {
      return sendError(reply, 401, 'Unauthorized', `IMDSv2 session token missing, expired or unknown; PUT ${ROUTES.imdsToken} first.`);
    }
    const path = (req.params as { '*'?: string })['*'] ?? '';
    const key = path.replace(/\/+$/, '');
    const active = deps.credentials.active;
    const known = active === undefined ? {} : deps.credentials.describe(active);
    const region = known.region ?? deps.defaultRegion;
    if (key === CREDS || key === CREDS_EXTENDED) {
      return active === undefined ? sendError(reply, 404, 'NotFound', 'No profile is active in credd; run: credd switch PROFILE') : text(reply, active);
    }
    if (key.startsWith(`${CREDS}/`) || key.startsWith(`${CREDS_EXTENDED}/`)) {
      const name = key.slice(key.indexOf('/', CREDS.length) + 1);
      if (active === undefined || name !== active) return sendError(reply, 404, 'NotFound', `No role "${name}" is served here.`);
      const result = await deps.credentials.serve(active);
      const status = result.ok ? 200 : statusFor(result.error);
      deps.audit?.served({ profile: active, endpoint: 'imds', status, socket: req.raw.socket });
      if (!result.ok) return sendError(reply, status, result.error.code, result.error.message);
      return text(reply, imdsCredentialsBody(result.creds, new Date(), key.startsWith(CREDS_EXTENDED)));
    }
    if (key === 'meta-data/iam/info') {
      if (active === undefined) return sendError(reply, 404, 'NotFound', 'No profile is active in credd.');
      return text(reply, imdsInfoBody(active, known.accountId, deps.startedAt));
    }
    const answer = imdsStaticAnswer(key, region, known.accountId, deps.startedAt);
    if (answer === undefined) return sendError(reply, 404, 'NotFound', 'Nothing is served at this metadata path.');
    return text(reply, answer);
  };
  app.get('/latest', metadata);
  app.get('/latest/*', metadata);
  app.route({
    method: ['POST', 'DELETE', 'PATCH', 'PUT'],
    url: '/latest/*',
    handler: (_req, reply) => sendError(reply.header('allow', 'GET, HEAD'), 405, 'MethodNotAllowed', 'Only GET is served here.'),
  });
}
