import { isAccessKeyIdShape, isSecretAccessKeyShape } from '../domain/credentials.js';
import { CreddError } from '../domain/errors.js';
import type { SecretStore } from '../domain/ports.js';
import { decodeKey, encodeKey, keyItem, profileOfKeyItem } from '../domain/stored-key.js';
import { profileOfSessionItem } from '../domain/stored-session.js';
import type { AddKeyRequest, AddKeyResult } from '../protocol/control-api.js';

/**
 * The secret operations behind `credd add/remove/import/list`. The daemon runs them for the CLI
 * (so only the daemon's node ever opens the keychain); the CLI runs them itself only when no
 * daemon is running.
 */
export class SecretOps {
  constructor(private readonly store: SecretStore) {}

  /** Item names only: no secret is read. */
  async names(): Promise<{ keys: string[]; sessions: string[] }> {
    const items = await this.store.list();
    const keys = items.map(profileOfKeyItem).filter((n): n is string => n !== undefined);
    const sessions = items.map(profileOfSessionItem).filter((n): n is string => n !== undefined);
    return { keys, sessions };
  }

  /**
   * Proves the store answers without reading any secret: asks for an item that never exists
   * (no item means no item ACL, so no macOS dialog either).
   */
  async probe(): Promise<{ reachable: true }> {
    await this.store.get('probe:credd-doctor');
    return { reachable: true };
  }

  async addKey(req: AddKeyRequest): Promise<AddKeyResult> {
    if (!isAccessKeyIdShape(req.accessKeyId) || !req.accessKeyId.startsWith('AKIA')) {
      throw new CreddError('InvalidAccessKeyId', 'That is not a long-term access key id (20 characters starting with AKIA).');
    }
    if (!isSecretAccessKeyShape(req.secretAccessKey)) {
      throw new CreddError('InvalidSecretAccessKey', 'That is not a secret access key (40 characters of letters, digits, / and +).');
    }
    const item = keyItem(req.profile);
    const listed = (await this.store.list()).includes(item);
    // Read the stored key only to compare (import): `add` without --force is refused before this.
    const existing = listed && !req.replace ? await this.store.get(item) : undefined;
    if (existing !== undefined) {
      const old = decodeKey(existing);
      if (old?.accessKeyId === req.accessKeyId && old.secretAccessKey === req.secretAccessKey) return { profile: req.profile, outcome: 'unchanged', store: this.store.description };
      throw new CreddError('KeyExists', `Profile "${req.profile}" already has a key in credd; use --force to replace it.`);
    }
    await this.store.set(item, encodeKey({ accessKeyId: req.accessKeyId, secretAccessKey: req.secretAccessKey }));
    return { profile: req.profile, outcome: listed ? 'replaced' : 'added', store: this.store.description };
  }

  async removeKey(profile: string): Promise<boolean> {
    return this.store.delete(keyItem(profile));
  }
}
