import type { SecretStore } from '../domain/ports.js';

/** A SecretStore in a Map, for tests and for wiring that must not touch the real keychain. */
export class MemoryStore implements SecretStore {
  readonly description = 'memory';
  readonly #items: Map<string, string>;

  constructor(initial: Iterable<readonly [string, string]> = []) {
    this.#items = new Map(initial);
  }

  async get(item: string): Promise<string | undefined> {
    return this.#items.get(item);
  }

  async set(item: string, value: string): Promise<void> {
    this.#items.set(item, value);
  }

  async delete(item: string): Promise<boolean> {
    return this.#items.delete(item);
  }

  async list(): Promise<string[]> {
    return [...this.#items.keys()].sort();
  }
}
