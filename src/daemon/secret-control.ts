import type { CredentialBroker } from '../broker/credential-broker.js';
import { errorMessage, KeychainError } from '../domain/errors.js';
import type { GuardedStore } from '../keychain/guarded-store.js';
import type { Logger } from '../platform/logger.js';
import type { StoreStatus } from '../protocol/control-api.js';
import type { SecretControlApi } from '../server/secret-routes.js';
import { rotateStoredKey } from './rotate-stored-key.js';
import { SecretOps } from './secret-ops.js';

export interface SecretControlContext {
  broker: CredentialBroker;
  store: GuardedStore;
  env: NodeJS.ProcessEnv;
  configFile: string;
  logger: Logger;
  /** Something the notice depends on may have changed. */
  changed(): void;
}

export function storeStatus(store: GuardedStore): StoreStatus {
  const s = store.state;
  const base = { description: store.description, needsPassphrase: store.needsPassphrase };
  if (s.state === 'open') return { ...base, locked: false };
  return { ...base, locked: true, waitingFor: s.code === 'KeychainLocked' ? 'keychain' : 'unlock', message: s.message, since: new Date(s.since).toISOString() };
}

/** The control API's secret operations, run in the daemon: the CLI never opens the keychain while it runs. */
export function secretControl(ctx: SecretControlContext): SecretControlApi {
  const ops = new SecretOps(ctx.store);
  const done = <T>(value: T): T => {
    ctx.broker.recheck();
    ctx.changed();
    return value;
  };
  return {
    secrets: async () => {
      const { keys, sessions } = await ops.names();
      const known = new Map(ctx.broker.view().mfa.flatMap((m) => (m.expiresAt === undefined ? [] : [[m.user, new Date(m.expiresAt).toISOString()] as const])));
      const users = [...new Set([...sessions, ...known.keys()])].sort();
      return {
        store: storeStatus(ctx.store),
        keys,
        sessions: users.map((profile) => {
          const expiration = known.get(profile);
          return expiration === undefined ? { profile } : { profile, expiration };
        }),
      };
    },
    probe: () => ops.probe(),
    addKey: async (req) => done(await ops.addKey(req)),
    removeKey: async (profile) => done({ deleted: await ops.removeKey(profile) }),
    rotate: async (profile) =>
      done(await rotateStoredKey(profile, { store: ctx.store, env: ctx.env, configFile: ctx.configFile, mfaSession: (p) => ctx.broker.mfaSessionFor(p.name) })),
    unlock: async (passphrase) => {
      await ctx.store.unlock(passphrase);
      done(undefined);
      const active = ctx.broker.active;
      // The user is at the terminal now: this is the moment a keychain dialog may appear.
      if (active !== undefined) {
        await ctx.broker.switchTo(active).catch((err: unknown) => {
          if (err instanceof KeychainError && (err.code === 'KeychainLocked' || err.code === 'StoreLocked')) throw err;
          ctx.logger.info({ profile: active, err: errorMessage(err) }, 'unlocked; the active profile still needs something else');
        });
      }
      ctx.changed();
      return storeStatus(ctx.store);
    },
    lock: async () => {
      ctx.store.lock();
      ctx.broker.forgetSecrets();
      ctx.changed();
      ctx.logger.info('credd locked: cached secrets forgotten until credd unlock');
      return storeStatus(ctx.store);
    },
  };
}
