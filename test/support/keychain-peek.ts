// Reads what credd stored in the sandbox's keychain service, as the daemon would read it.
import { decodeKey, keyItem } from '../../src/domain/stored-key.js';
import type { LongTermKey } from '../../src/domain/credentials.js';
import { OsKeychainStore } from '../../src/keychain/os-keychain-store.js';

/** The long-term key credd holds for `profile` in the keychain service of `env` (a sandbox's). */
export async function storedKey(env: Record<string, string>, profile: string): Promise<LongTermKey | undefined> {
  const service = env['CREDD_KEYCHAIN_SERVICE'];
  if (!service) throw new Error('CREDD_KEYCHAIN_SERVICE is required');
  const raw = await new OsKeychainStore({ service }).get(keyItem(profile));
  return raw === undefined ? undefined : decodeKey(raw);
}
