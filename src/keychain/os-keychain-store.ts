import { KeychainError } from '../domain/errors.js';
import type { SecretStore } from '../domain/ports.js';
import { explainKeyringFailure, explainKeyringTimeout, type KeyringOperation } from './explain-keyring-failure.js';
import { KeyringProcess, type KeyringOutcome, type KeyringRequest } from './keyring-process.js';

export interface OsKeychainStoreOptions {
  /** Keychain "service" all of credd's items are filed under. */
  service?: string;
  /** How long one keychain call may take before it becomes a KeychainError. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * The OS keychain through @napi-rs/keyring: macOS Keychain, Windows Credential Manager, or the
 * Secret Service on Linux. Each item is one keychain entry whose account is the item name.
 */
export class OsKeychainStore implements SecretStore {
  readonly description: string;
  readonly #service: string;
  readonly #platform: NodeJS.Platform;
  readonly #timeoutMs: number;
  readonly #thread: KeyringProcess;

  constructor(options: OsKeychainStoreOptions = {}) {
    this.#service = options.service ?? 'credd';
    this.#platform = process.platform;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.description = describe(this.#platform);
    this.#thread = new KeyringProcess({
      timeoutMs: this.#timeoutMs,
      // Left alone, the addon falls back to the kernel keyring (keyutils) when no Secret Service
      // answers: keys would "save" fine and then vanish at the next reboot. Failing loudly is better.
      entryOptions: this.#platform === 'linux' ? { linux: { store: 'secret-service' } } : undefined,
    });
  }

  async get(item: string): Promise<string | undefined> {
    const value = await this.#run('read', { op: 'get', service: this.#service, item });
    if (value === null) return undefined;
    if (typeof value !== 'string') throw this.#unexpected('read', item);
    return value;
  }

  async set(item: string, value: string): Promise<void> {
    await this.#run('save', { op: 'set', service: this.#service, item, value });
  }

  async delete(item: string): Promise<boolean> {
    const deleted = await this.#run('delete', { op: 'delete', service: this.#service, item });
    if (typeof deleted !== 'boolean') throw this.#unexpected('delete', item);
    return deleted;
  }

  async list(): Promise<string[]> {
    const names = await this.#run('list', { op: 'list', service: this.#service });
    if (!Array.isArray(names)) throw this.#unexpected('list', undefined);
    return [...new Set(names)].sort();
  }

  async #run(operation: KeyringOperation, req: KeyringRequest): Promise<Exclude<KeyringOutcome, { ok: false }>['value']> {
    const outcome = await this.#thread.call(req);
    if (outcome.ok) return outcome.value;
    const context = {
      platform: this.#platform,
      description: this.description,
      service: this.#service,
      operation,
      ...('item' in req ? { item: req.item } : {}),
    };
    // The raw text is kept as the cause for logs; scrub the value in case a backend ever echoes it.
    const raw = req.op === 'set' && req.value !== '' ? outcome.raw.split(req.value).join('[secret]') : outcome.raw;
    const cause = new Error(raw);
    if (outcome.kind === 'timeout') throw new KeychainError(explainKeyringTimeout(context, this.#timeoutMs), { cause });
    if (outcome.kind === 'unavailable') {
      throw new KeychainError(
        `The ${this.description} cannot be used: the @napi-rs/keyring module failed (${raw}). ` +
          'Reinstall credd, or set CREDD_STORE=file to keep keys in an encrypted file instead.',
        { cause },
      );
    }
    throw new KeychainError(explainKeyringFailure({ ...context, raw }), { cause });
  }

  #unexpected(operation: KeyringOperation, item: string | undefined): KeychainError {
    const what = item === undefined ? `service "${this.#service}"` : `"${item}"`;
    return new KeychainError(`The ${this.description} gave an unexpected answer for ${operation} of ${what}; please report this.`);
  }
}

function describe(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return 'macOS Keychain';
  if (platform === 'win32') return 'Windows Credential Manager';
  return 'Secret Service (GNOME Keyring/KWallet)';
}
