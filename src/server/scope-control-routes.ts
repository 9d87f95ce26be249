import type { FastifyInstance } from 'fastify';
import { CreddError } from '../domain/errors.js';
import type { ScopeLease, ScopeLeaseRequest } from '../protocol/control-api.js';
import { ROUTES } from '../protocol/routes.js';

export interface ScopeControlApi {
  openScope(request: ScopeLeaseRequest): Promise<ScopeLease>;
  releaseScope(lease: string): Promise<boolean>;
}

const PROFILE_NAME = /^[\w.@+=,:-]{1,128}$/;

/** The control routes of down-scoped exec sessions (unix socket only, like the rest of the control API). */
export function registerScopeControlRoutes(app: FastifyInstance, api: ScopeControlApi): void {
  app.post(ROUTES.control.scope, async (req) => api.openScope(leaseRequest(req.body)));
  app.post(ROUTES.control.scopeRelease, async (req) => {
    const lease = (req.body as { lease?: unknown } | null)?.lease;
    if (typeof lease !== 'string' || lease.length > 64) throw new CreddError('InvalidLease', 'Give the lease to release.');
    return { released: await api.releaseScope(lease) };
  });
}

function leaseRequest(body: unknown): ScopeLeaseRequest {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const profile = b['profile'];
  if (typeof profile !== 'string' || !PROFILE_NAME.test(profile)) throw new CreddError('InvalidProfileName', 'Give a profile name (letters, digits and ._@+=,:- only).');
  const pid = b['pid'];
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) throw new CreddError('InvalidScope', 'A scope request names the pid of its credd exec.');
  const arns = b['policyArns'];
  if (arns !== undefined && (!Array.isArray(arns) || arns.some((a) => typeof a !== 'string'))) throw new CreddError('InvalidScope', 'policyArns must be a list of ARNs.');
  const text = (key: string): string | undefined => {
    const v = b[key];
    if (v !== undefined && typeof v !== 'string') throw new CreddError('InvalidScope', `${key} must be a string.`);
    return v;
  };
  const policy = text('policy');
  const sessionNameSuffix = text('sessionNameSuffix');
  const program = text('program');
  const as = text('as');
  if (as !== undefined && !PROFILE_NAME.test(as)) throw new CreddError('InvalidProfileName', 'The --as name is not a profile name (letters, digits and ._@+=,:- only).');
  return {
    profile,
    pid,
    ...(arns !== undefined && { policyArns: arns as string[] }),
    ...(policy !== undefined && { policy }),
    ...(sessionNameSuffix !== undefined && { sessionNameSuffix }),
    ...(program !== undefined && { program }),
    ...(as !== undefined && { as }),
  };
}
