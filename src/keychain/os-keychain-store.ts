import { KeychainError } from '../domain/errors.js';
import type { SecretStore } from '../domain/ports.js';
import { explainKeyringFailure, explainKeyringTimeout, isAccessBlocked, serviceVanished, type KeyringOperation } from './explain-keyring-failure.js';
import { isWsl } from './wsl.js';
import { KeyringProcess, type KeyringHelperSpawner, type KeyringOutcome, type KeyringRequest } from './keyring-process.js';

export interface OsKeychainStoreOptions {
  /** Keychain "service" all of credd's items are filed under. */
  service?: string;
  /** How long one keychain call may take before it becomes a KeychainError. */
  timeoutMs?: number;
  /** Starts the helper process that talks to the keychain (tests inject a fake one). */
  spawnHelper?: KeyringHelperSpawner;
  /** Whose messages and rules apply; the running platform unless a test plays another. */
  platform?: NodeJS.Platform;
  /** Inside WSL (detected unless given): a missing Secret Service gets WSL's advice. */
  wsl?: boolean;
}

/**
 * When an item's ACL does not trust the calling binary, macOS asks the user in a dialog and the
 * call waits for the answer (sources in docs/macos-keychain.md); a person reading it and typing
 * a password needs minutes, not seconds. Nobody waits on this: SDK requests get a fast 4xx.
 */
export const DEFAULT_TIMEOUT_MS = 5 * 60_000;

/**
 * The OS keychain through @napi-rs/keyring: macOS Keychain, Windows Credential Manager, or the
 * Secret Service on Linux. Each item is one keychain entry whose account is the item name.
 */
export class OsKeychainStore implements SecretStore {
  readonly description: string;
  readonly #service: string;
  readonly #platform: NodeJS.Platform;
  readonly #timeoutMs: number;
  readonly #wsl: boolean;
  readonly #keyringProcess: KeyringProcess;

  constructor(options: OsKeychainStoreOptions = {}) {
    this.#service = options.service ?? 'credd';
    this.#platform = options.platform ?? process.platform;
    this.#wsl = options.wsl ?? isWsl();
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.description = describe(this.#platform);
    this.#keyringProcess = new KeyringProcess({
      timeoutMs: this.#timeoutMs,
      ...(options.spawnHelper && { spawnHelper: options.spawnHelper }),
      // Left alone, the addon falls back to the kernel keyring (keyutils) when no Secret Service
      // answers: keys would "save" fine and then vanish at the next reboot. Failing loudly is better.
      entryOptions: this.#platform === 'linux' ? { linux: { store: 'secret-service' } } : undefined,
    });
  }

  /** Starts the helper process now (the daemon, at start-up); asks the keychain nothing. */
  warm(): void {
    this.#keyringProcess.warm();
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
    let outcome = await this.#keyringProcess.call(req);
    // The Secret Service crashed mid-call: the next call reaches a fresh one. Every operation
    // here may run twice (a save replaces, a delete of what is gone says false).
    if (!outcome.ok && outcome.kind === 'failed' && serviceVanished(this.#platform, outcome.raw)) outcome = await this.#keyringProcess.call(req);
    if (outcome.ok) return outcome.value;
    const context = {
      platform: this.#platform,
      description: this.description,
      service: this.#service,
      operation,
      ...(this.#wsl && { wsl: true }),
      ...('item' in req ? { item: req.item } : {}),
    };
    // The raw text is kept as the cause for logs; scrub the value in case a backend ever echoes it.
    const raw = req.op === 'set' && req.value !== '' ? outcome.raw.split(req.value).join('[secret]') : outcome.raw;
    const cause = new Error(raw);
    if (outcome.kind === 'timeout') throw new KeychainError(explainKeyringTimeout(context, this.#timeoutMs), { cause, code: 'KeychainLocked' });
    if (outcome.kind === 'unavailable') {
      throw new KeychainError(
        `The ${this.description} cannot be used: the @napi-rs/keyring module failed (${raw}). ` +
          'Reinstall credd, or set CREDD_STORE=file to keep keys in an encrypted file instead.',
        { cause },
      );
    }
    const blocked = isAccessBlocked(this.#platform, raw);
    throw new KeychainError(explainKeyringFailure({ ...context, raw }), { cause, ...(blocked && { code: 'KeychainLocked' as const }) });
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
