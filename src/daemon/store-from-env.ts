import { ConfigError } from '../domain/errors.js';
import type { SecretStore } from '../domain/ports.js';
import { createSecretStore } from '../keychain/create-secret-store.js';
import type { CreddPaths } from '../platform/paths.js';

export type PassphrasePrompt = () => Promise<string>;

/**
 * The OS keychain by default; `CREDD_STORE=file` picks the encrypted file store for
 * machines without one. `CREDD_KEYCHAIN_SERVICE` names the keychain service (tests, demos).
 */
export function storeFromEnv(paths: CreddPaths, env: NodeJS.ProcessEnv, prompt?: PassphrasePrompt): SecretStore {
  const kind = (env['CREDD_STORE'] ?? 'os').trim().toLowerCase();
  if (kind !== 'os' && kind !== 'file') {
    throw new ConfigError(`CREDD_STORE "${env['CREDD_STORE'] ?? ''}" is not a store credd knows; use "os" (the OS keychain) or "file" (an encrypted file).`);
  }
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
    passphrase,
    ...(service !== undefined && service !== '' && { service }),
  });
}
