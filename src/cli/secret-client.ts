import type { SecretStore } from '../domain/ports.js';
import type { AddKeyRequest, AddKeyResult, SecretsView } from '../protocol/control-api.js';
import { SecretOps } from '../daemon/secret-ops.js';
import type { CliContext } from './cli-context.js';
import { DaemonNotRunningError } from './daemon-client.js';
import { ROUTES } from '../protocol/routes.js';

const told = new WeakSet<CliContext>();

/**
 * Runs a secret operation in the daemon, so that only the daemon's node opens the keychain
 * (on macOS each node binary is its own identity in an item's ACL, and every other one brings
 * a dialog). Only when no daemon runs does the CLI open the store itself, and it says so.
 */
export async function viaDaemon<T>(ctx: CliContext, remote: () => Promise<T>, local: (store: SecretStore) => Promise<T>): Promise<T> {
  try {
    return await remote();
  } catch (err) {
    if (!(err instanceof DaemonNotRunningError)) throw err;
  }
  const store = await ctx.store();
  if (!told.has(ctx)) {
    told.add(ctx);
    const mac = process.platform === 'darwin' ? ' (macOS may ask whether this node may use the keychain; start the daemon first to avoid that)' : '';
    ctx.err.write(`credd: no daemon is running, so this command opens the ${store.description} itself${mac}.\n`);
  }
  return local(store);
}

/** Key names and MFA sessions, without reading a secret. */
export function secretsView(ctx: CliContext): Promise<SecretsView> {
  return viaDaemon(
    ctx,
    () => ctx.daemon.get<SecretsView>(ROUTES.control.secrets),
    async (store) => {
      const { keys, sessions } = await new SecretOps(store).names();
      return { store: { description: store.description, needsPassphrase: false, locked: false }, keys, sessions: sessions.map((profile) => ({ profile })) };
    },
  );
}

export function addKey(ctx: CliContext, req: AddKeyRequest): Promise<AddKeyResult> {
  return viaDaemon(
    ctx,
    () => ctx.daemon.post<AddKeyResult>(ROUTES.control.keysAdd, req),
    (store) => new SecretOps(store).addKey(req),
  );
}
