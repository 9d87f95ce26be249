import type { FastifyInstance } from 'fastify';
import { sendError } from './request-guard.js';

/**
 * IMDS turned off: every metadata path answers 404, which SDKs read as "no instance
 * metadata here" and move on from (a 401/403 would make some retry or report an error).
 */
export function registerImdsOff(app: FastifyInstance, why: string): void {
  for (const url of ['/latest', '/latest/*']) {
    app.route({
      method: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS'],
      url,
      exposeHeadRoute: false,
      handler: (_req, reply) => sendError(reply, 404, 'ImdsOff', why),
    });
  }
}
