import type { SecretStore } from '../domain/ports.js';
import type { ItemIndex } from './item-index.js';

/**
 * A keychain store whose `list()` comes from a non-secret index of item names instead of the
 * keychain. Writes go to the keychain first, then the index. An index that disagrees with the
 * keychain heals itself: a successful read adds the name, a read that finds nothing removes it.
 * A read that fails (locked, denied) changes nothing, so no key is ever reported missing
 * because access was refused.
 */
export class IndexedStore implements SecretStore {
  readonly description: string;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly inner: SecretStore,
    private readonly index: ItemIndex,
    private readonly warn: (message: string) => void = () => undefined,
  ) {
    this.description = inner.description;
  }

  async get(item: string): Promise<string | undefined> {
    const value = await this.inner.get(item);
    await this.#update((names) => (value === undefined ? names.delete(item) : names.add(item)));
    return value;
  }

  async set(item: string, value: string): Promise<void> {
    await this.inner.set(item, value);
    await this.#update((names) => names.add(item));
  }

  async delete(item: string): Promise<boolean> {
    const deleted = await this.inner.delete(item);
    await this.#update((names) => names.delete(item));
    return deleted;
  }

  /** From the index; only the very first call (no index yet) lists the keychain itself. */
  async list(): Promise<string[]> {
    const known = await this.index.read();
    if (known !== undefined) return known;
    const names = await this.inner.list();
    await this.#save(names);
    return names.sort();
  }

  /**
   * One read-modify-write at a time. Without an index nothing is written: the first list()
   * builds it from the keychain, which then holds every item written before.
   */
  #update(change: (names: Set<string>) => unknown): Promise<void> {
    const run = this.#queue.then(async () => {
      const known = await this.index.read();
      if (known === undefined) return;
      const names = new Set(known);
      change(names);
      const next = [...names].sort();
      if (next.join('\n') !== known.join('\n')) await this.#save(next);
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #save(names: string[]): Promise<void> {
    try {
      await this.index.write(names);
    } catch (err) {
      // The keychain holds the truth; a stale index only costs a self-heal later.
      this.warn(this.index.describeFailure(err));
    }
  }
}
