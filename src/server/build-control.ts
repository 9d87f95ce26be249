import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { IDLE_CHECK_MS, socketDeadlines } from './socket-deadlines.js';
import { CreddError } from '../domain/errors.js';
import type { Logger } from '../platform/logger.js';
import type { DaemonStatus, ExportedCredentials, MfaLoginResult, SwitchResult } from '../protocol/control-api.js';
import { statusFor } from './http-status.js';
import { secretRoutes, type SecretControlApi } from './secret-routes.js';
import { ROUTES } from '../protocol/routes.js';
import { isProfileName, PROFILE_NAME_CHARS } from '../domain/profile-name.js';
import { isMfaCode, MFA_CODE_SHAPE } from '../domain/mfa-code.js';

/** What the control API can do; the daemon supplies it. */
export interface ControlApi extends SecretControlApi {
  status(): Promise<DaemonStatus>;
  switchTo(profile: string): Promise<SwitchResult>;
  prime(profile: string): Promise<SwitchResult>;
  clear(profile?: string): Promise<void>;
  recheck(): Promise<void>;
  mfaLogin(profile: string, code: string): Promise<MfaLoginResult>;
  exportCredentials(profile: string): Promise<ExportedCredentials>;
  mfaSession(profile: string): Promise<ExportedCredentials>;
  stop(): void;
  /** Replaces the daemon's token (old shells get 403 until `credd env` runs again). */
  rotateToken?(): Promise<void>;
}

const C = ROUTES.control;

function sendControlError(reply: FastifyReply, status: number, code: string, message: string, details?: Record<string, string>): FastifyReply {
  return reply.code(status).send({ code, message, ...(details && { details }) });
}

/**
 * The control API, served only on the unix socket in the 0700 state dir: whoever can
 * connect is the user. Never exposed over TCP.
 */
export function buildControl(api: ControlApi, logger: Logger): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024, http: { connectionsCheckingInterval: IDLE_CHECK_MS } });
  // The headers limit Node would check every 30 s (on an interval, connected or not); a command
  // may wait on STS or a keychain dialog, so the request itself gets minutes.
  socketDeadlines(app.server, { headersMs: 60_000, requestMs: 600_000 });
  const profileOf = (body: unknown): string | undefined => {
    const p = (body as { profile?: unknown } | null)?.profile;
    return isProfileName(p) ? p : undefined;
  };
  const withProfile =
    (run: (profile: string) => Promise<unknown>) =>
    async (req: { body: unknown }, reply: FastifyReply): Promise<unknown> => {
      const profile = profileOf(req.body);
      if (profile === undefined) return sendControlError(reply, 400, 'InvalidProfileName', `Give a profile name (${PROFILE_NAME_CHARS}).`);
      return run(profile);
    };

  app.get(C.status, () => api.status());
  app.post(C.switch, withProfile((p) => api.switchTo(p)));
  app.post(C.prime, withProfile((p) => api.prime(p)));
  app.post(C.credentials, withProfile((p) => api.exportCredentials(p)));
  app.post(C.mfaSession, withProfile((p) => api.mfaSession(p)));
  app.post(C.mfa, async (req, reply) => {
    const profile = profileOf(req.body);
    const code = (req.body as { code?: unknown } | null)?.code;
    if (profile === undefined) return sendControlError(reply, 400, 'InvalidProfileName', 'Give a profile name.');
    if (!isMfaCode(code)) return sendControlError(reply, 400, 'InvalidMfaCode', MFA_CODE_SHAPE);
    return api.mfaLogin(profile, code);
  });
  app.post(C.recheck, async () => {
    await api.recheck();
    return { rechecking: true };
  });
  app.post(C.clear, async (req) => {
    const profile = profileOf(req.body);
    await api.clear(profile);
    return { cleared: profile ?? 'all' };
  });
  app.post(C.tokenRotate, async (_req, reply) => {
    if (!api.rotateToken) return sendControlError(reply, 404, 'NotFound', 'This daemon cannot rotate its token.');
    await api.rotateToken();
    return { rotated: true };
  });
  app.post(C.stop, async () => {
    setImmediate(() => api.stop());
    return { stopping: true };
  });
  secretRoutes(app, api, sendControlError);
  app.setNotFoundHandler((_req, reply) => sendControlError(reply, 404, 'NotFound', 'Unknown control request.'));
  app.setErrorHandler((err: unknown, _req, reply) => {
    if (err instanceof CreddError) return sendControlError(reply, statusFor(err), err.code, err.message, err.details);
    const e = err as { statusCode?: number; code?: string; message?: string };
    if (e.statusCode !== undefined && e.statusCode < 500) return sendControlError(reply, e.statusCode, e.code ?? 'BadRequest', e.message ?? 'Bad request.');
    logger.error({ err: e.message }, 'control request failed');
    return sendControlError(reply, 500, 'Internal', `credd hit an internal error: ${e.message ?? 'unknown'}`);
  });
  return app;
}
