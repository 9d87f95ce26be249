import type { SecretStore } from '../domain/ports.js';
import { EncryptedFileStore } from './encrypted-file-store.js';
import { IndexedStore } from './indexed-store.js';
import { ItemIndex } from './item-index.js';
import { OsKeychainStore } from './os-keychain-store.js';

export interface CreateSecretStoreOptions {
  kind: 'os' | 'file';
  /** Keychain service name for kind 'os' (default "credd"). */
  service?: string;
  /** Directory of the encrypted file store for kind 'file'. */
  fileDir: string;
  /** File holding the names of the keychain's items, so listing them reads no secret (kind 'os'). */
  indexFile?: string;
  /** Asked only when the file store is first used; never for kind 'os'. */
  passphrase: () => Promise<string>;
  warn?: (message: string) => void;
}

/** The store the user chose; constructing either one touches neither the keychain nor the disk. */
export function createSecretStore(opts: CreateSecretStoreOptions): SecretStore {
  if (opts.kind === 'file') return new EncryptedFileStore({ dir: opts.fileDir, passphrase: opts.passphrase });
  const service = opts.service ?? 'credd';
  const keychain = new OsKeychainStore({ service });
  return opts.indexFile === undefined ? keychain : new IndexedStore(keychain, new ItemIndex(opts.indexFile, service), opts.warn);
}
