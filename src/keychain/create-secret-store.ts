import type { SecretStore } from '../domain/ports.js';
import { EncryptedFileStore } from './encrypted-file-store.js';
import { OsKeychainStore } from './os-keychain-store.js';

export interface CreateSecretStoreOptions {
  kind: 'os' | 'file';
  /** Keychain service name for kind 'os' (default "credd"). */
  service?: string;
  /** Directory of the encrypted file store for kind 'file'. */
  fileDir: string;
  /** Asked only when the file store is first used; never for kind 'os'. */
  passphrase: () => Promise<string>;
}

/** The store the user chose; constructing either one touches neither the keychain nor the disk. */
export function createSecretStore(opts: CreateSecretStoreOptions): SecretStore {
  if (opts.kind === 'file') return new EncryptedFileStore({ dir: opts.fileDir, passphrase: opts.passphrase });
  return new OsKeychainStore(opts.service === undefined ? {} : { service: opts.service });
}
