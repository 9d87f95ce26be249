import path from 'node:path';
import { ConfigError, KeychainError } from '../domain/errors.js';
import type { Clock, SecretStore } from '../domain/ports.js';
import { createSecretStore } from '../keychain/create-secret-store.js';
import { EncryptedFileStore } from '../keychain/encrypted-file-store.js';
import { GuardedStore } from '../keychain/guarded-store.js';
import { IndexedStore } from '../keychain/indexed-store.js';
import { ItemIndex } from '../keychain/item-index.js';
import { OsKeychainStore } from '../keychain/os-keychain-store.js';
import type { CreddPaths } from '../platform/paths.js';

export type PassphrasePrompt = () => Promise<string>;

function storeKind(env: NodeJS.ProcessEnv): 'os' | 'file' {
  const kind = (env['CREDD_STORE'] ?? 'os').trim().toLowerCase();
  if (kind !== 'os' && kind !== 'file') {
    throw new ConfigError(`CREDD_STORE "${env['CREDD_STORE'] ?? ''}" is not a store credd knows; use "os" (the OS keychain) or "file" (an encrypted file).`);
  }
  return kind;
}

/** The non-secret list of keychain item names, one per keychain service. */
export function keychainIndexFile(paths: CreddPaths): string {
  return path.join(paths.home, 'keychain-items.json');
}

/**
 * The OS keychain by default; `CREDD_STORE=file` picks the encrypted file store for
 * machines without one. `CREDD_KEYCHAIN_SERVICE` names the keychain service (tests, demos).
 */
export function storeFromEnv(paths: CreddPaths, env: NodeJS.ProcessEnv, prompt?: PassphrasePrompt): SecretStore {
  const kind = storeKind(env);
  const passphrase = async (): Promise<string> => {
    const fromEnv = env['CREDD_FILE_PASSPHRASE'];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    if (prompt) return prompt();
    throw new ConfigError('The encrypted file store needs a passphrase: set CREDD_FILE_PASSPHRASE in the daemon\'s environment.');
  };
  const service = env['CREDD_KEYCHAIN_SERVICE'];
  return createSecretStore({
    kind,
    fileDir: paths.fileStoreDir,
    indexFile: keychainIndexFile(paths),
    passphrase,
    ...(service !== undefined && service !== '' && { service }),
  });
}

/**
 * The daemon's store: guarded (one keychain call at a time, secrets cached, one locked state).
 * A file store without CREDD_FILE_PASSPHRASE starts locked — a service cannot prompt — and
 * `credd unlock` hands it the passphrase over the control socket.
 */
export interface DaemonStoreOptions {
  /** The list of keychain item names could not be kept up to date (logged; never fatal). */
  warn(message: string): void;
  /** The store was locked or opened. */
  onChange(): void;
  clock: Pick<Clock, 'now'>;
}

export function daemonStoreFromEnv(paths: CreddPaths, env: NodeJS.ProcessEnv, { warn, onChange, clock }: DaemonStoreOptions): GuardedStore {
  const kind = storeKind(env);
  const service = env['CREDD_KEYCHAIN_SERVICE'];
  const fromEnv = env['CREDD_FILE_PASSPHRASE'];
  if (kind === 'file') {
    const file = new EncryptedFileStore({
      dir: paths.fileStoreDir,
      // Asked only when nothing unlocked the store: without a passphrase in the environment, that means "locked".
      passphrase: async () => {
        if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
        throw new KeychainError(`The encrypted file store at ${paths.fileStoreDir} is locked: run credd unlock`, { code: 'StoreLocked' });
      },
    });
    return new GuardedStore(file, { lockable: file, startLocked: fromEnv === undefined || fromEnv === '', onChange, clock });
  }
  const name = service !== undefined && service !== '' ? service : 'credd';
  const keychain = new OsKeychainStore({ service: name });
  keychain.warm();
  const store = new IndexedStore(keychain, new ItemIndex(keychainIndexFile(paths), name), warn);
  return new GuardedStore(store, { onChange, clock });
}

/**
 * Whether the daemon may read its store at start-up to warm the active profile. Not from the
 * macOS keychain: at login, after every node upgrade, that read would put a keychain dialog in
 * front of a user who has not done anything yet (docs/macos-keychain.md, facts 1-4); there the
 * first request or `credd switch` reads it. A file store reads nothing until it is unlocked.
 */
export function readsStoreAtStart(platform: NodeJS.Platform, store: Pick<GuardedStore, 'needsPassphrase'>): boolean {
  return !(platform === 'darwin' && !store.needsPassphrase);
}
