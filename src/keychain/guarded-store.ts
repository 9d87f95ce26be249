import { KeychainError } from '../domain/errors.js';
import type { Clock, SecretStore } from '../domain/ports.js';
import { systemClock } from '../platform/clock.js';

/** A store credd can lock itself (the encrypted file store: it forgets its derived key). */
export interface LockableStore extends SecretStore {
  /** Checks the passphrase (or creates the store with it) and keeps the derived key. */
  unlockWith(passphrase: string): Promise<void>;
  /** Forgets the derived key; the next use needs unlockWith again. */
  lock(): void;
}

export type StoreState =
  | { state: 'open' }
  /** The keychain is locked, denied access, or a dialog went unanswered: waits for the user. */
  | { state: 'blocked'; code: 'KeychainLocked' | 'StoreLocked'; message: string; since: number };

const LOCKED_BY_USER = 'locked: run credd unlock (credd lock made the daemon forget every cached secret)';

/**
 * The daemon's view of its secret store: one keychain call at a time (never two dialogs at
 * once), secrets kept in memory once read (a refresh does not touch the keychain again), and
 * one "locked or access denied" state. Once in that state no call reaches the keychain until the
 * user acts (`credd unlock`, `credd switch`): a polling SDK must never bring up dialog after
 * dialog. Listing item names needs no secret and always works.
 */
export class GuardedStore implements SecretStore {
  readonly description: string;
  readonly #inner: SecretStore;
  readonly #lockable: LockableStore | undefined;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #onChange: () => void;
  readonly #cache = new Map<string, string>();
  #state: StoreState = { state: 'open' };
  #queue: Promise<unknown> = Promise.resolve();

  constructor(inner: SecretStore, options: { lockable?: LockableStore; clock?: Pick<Clock, 'now'>; startLocked?: boolean; onChange?: () => void } = {}) {
    this.#inner = inner;
    this.#lockable = options.lockable;
    this.#clock = options.clock ?? systemClock;
    this.#onChange = options.onChange ?? (() => undefined);
    this.description = inner.description;
    // The initial state is not a change: nobody is told.
    if (options.startLocked) this.#state = { state: 'blocked', code: 'StoreLocked', message: this.#lockedMessage(), since: this.#clock.now() };
  }

  get state(): StoreState {
    return this.#state;
  }

  /** Whether `credd unlock` needs a passphrase for this store. */
  get needsPassphrase(): boolean {
    return this.#lockable !== undefined;
  }

  async get(item: string): Promise<string | undefined> {
    const cached = this.#cache.get(item);
    if (cached !== undefined) return cached;
    return this.#serial(async () => {
      const again = this.#cache.get(item);
      if (again !== undefined) return again;
      const value = await this.#inner.get(item);
      if (value !== undefined) this.#cache.set(item, value);
      return value;
    });
  }

  set(item: string, value: string): Promise<void> {
    return this.#serial(async () => {
      this.#cache.delete(item);
      await this.#inner.set(item, value);
      this.#cache.set(item, value);
    });
  }

  delete(item: string): Promise<boolean> {
    this.#cache.delete(item);
    return this.#serial(() => this.#inner.delete(item));
  }

  list(): Promise<string[]> {
    return this.#inner.list();
  }

  /** Forgets one cached secret (a key that was rotated or removed elsewhere). */
  forget(item: string): void {
    this.#cache.delete(item);
  }

  /**
   * The user acted: the keychain may be asked again. A store locked by `credd lock` or one
   * waiting for its passphrase stays locked; only `unlock` opens those.
   */
  retry(): void {
    if (this.#state.state === 'blocked' && this.#state.code === 'KeychainLocked') this.#open();
  }

  /** `credd unlock`: the passphrase for a file store; for the keychain, permission to ask again. */
  async unlock(passphrase: string | undefined): Promise<void> {
    if (this.#lockable) {
      if (passphrase === undefined || passphrase === '') throw new KeychainError(`The ${this.description} needs its passphrase: run credd unlock in a terminal, or pipe it in on one line.`);
      await this.#serial(() => (this.#lockable as LockableStore).unlockWith(passphrase), true);
    }
    this.#open();
  }

  /** `credd lock`: forget every cached secret and the file store's key; nothing is read until unlock. */
  lock(): void {
    this.#cache.clear();
    this.#lockable?.lock();
    this.#block('StoreLocked', LOCKED_BY_USER);
  }

  #lockedMessage(): string {
    return `The ${this.description} is locked: run credd unlock`;
  }

  #block(code: 'KeychainLocked' | 'StoreLocked', message: string): void {
    this.#state = { state: 'blocked', code, message, since: this.#clock.now() };
    this.#onChange();
  }

  #open(): void {
    const was = this.#state.state;
    this.#state = { state: 'open' };
    if (was !== 'open') this.#onChange();
  }

  #serial<T>(op: () => Promise<T>, evenIfBlocked = false): Promise<T> {
    const run = this.#queue.then(async () => {
      const state = this.#state;
      if (state.state === 'blocked' && !evenIfBlocked) throw new KeychainError(state.message, { code: state.code });
      try {
        return await op();
      } catch (err) {
        if (err instanceof KeychainError && (err.code === 'KeychainLocked' || err.code === 'StoreLocked')) {
          const message =
            err.code === 'KeychainLocked'
              ? `Keychain locked or access denied: ${err.message} credd will not ask the keychain again until you run: credd unlock`
              : err.message;
          this.#block(err.code, message);
          throw new KeychainError(message, { code: err.code, cause: err });
        }
        throw err;
      }
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
