import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AddKeyRequest, AddKeyResult, RotateResultView, SecretsView, StoreStatus } from '../protocol/control-api.js';
import { ROUTES } from '../protocol/routes.js';
import { isProfileName } from '../domain/profile-name.js';

/** Secret operations: only the daemon opens the keychain, the CLI asks it over the 0600 socket. */
export interface SecretControlApi {
  secrets(): Promise<SecretsView>;
  /** `credd doctor`: the store answers (reads no secret). */
  probe(): Promise<{ reachable: true }>;
  addKey(req: AddKeyRequest): Promise<AddKeyResult>;
  removeKey(profile: string): Promise<{ deleted: boolean }>;
  rotate(profile: string): Promise<RotateResultView>;
  /** `credd unlock`: the file store's passphrase, or (keychain) permission to ask it again. */
  unlock(passphrase: string | undefined): Promise<StoreStatus>;
  /** `credd lock`: forget every cached secret until `credd unlock`. */
  lock(): Promise<StoreStatus>;
}

type Send = (reply: FastifyReply, status: number, code: string, message: string) => FastifyReply;

const C = ROUTES.control;
const field = (body: unknown, name: string): unknown => (typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined);

/** Adds the secret routes to the control app; messages never echo what was sent. */
export function secretRoutes(app: FastifyInstance, api: SecretControlApi, send: Send): void {
  const profileOf = (body: unknown): string | undefined => {
    const p = field(body, 'profile');
    return isProfileName(p) ? p : undefined;
  };
  const badProfile = (reply: FastifyReply): FastifyReply => send(reply, 400, 'InvalidProfileName', 'Give a profile name (letters, digits and ._@+=,:- only).');

  app.get(C.secrets, () => api.secrets());
  app.post(C.secretsProbe, () => api.probe());
  app.post(C.keysAdd, async (req, reply) => {
    const profile = profileOf(req.body);
    if (profile === undefined) return badProfile(reply);
    const accessKeyId = field(req.body, 'accessKeyId');
    const secretAccessKey = field(req.body, 'secretAccessKey');
    const replace = field(req.body, 'replace') ?? false;
    if (typeof accessKeyId !== 'string' || typeof secretAccessKey !== 'string' || typeof replace !== 'boolean') {
      return send(reply, 400, 'InvalidKey', 'Send accessKeyId and secretAccessKey as strings (and replace as true or false).');
    }
    return api.addKey({ profile, accessKeyId, secretAccessKey, replace });
  });
  app.post(C.keysRemove, async (req, reply) => {
    const profile = profileOf(req.body);
    return profile === undefined ? badProfile(reply) : api.removeKey(profile);
  });
  app.post(C.rotate, async (req, reply) => {
    const profile = profileOf(req.body);
    return profile === undefined ? badProfile(reply) : api.rotate(profile);
  });
  app.post(C.unlock, async (req, reply) => {
    const passphrase = field(req.body, 'passphrase');
    if (passphrase !== undefined && (typeof passphrase !== 'string' || passphrase.length > 4096)) return send(reply, 400, 'InvalidPassphrase', 'A passphrase is one line of text.');
    return api.unlock(passphrase);
  });
  app.post(C.lock, () => api.lock());
}
