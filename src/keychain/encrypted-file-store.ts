import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { CreddError, KeychainError } from '../domain/errors.js';
import { ensurePrivateDir, readIfExists } from '../platform/private-files.js';
import { DEFAULT_SCRYPT, FileStoreCipher, validScryptParams, type ScryptParams } from './file-store-cipher.js';
import type { LockableStore } from './guarded-store.js';
import { itemFileName, itemFromFileName } from './item-file-name.js';
import { parseSealedFile, type SealedFile } from './sealed-file.js';
import { syncDir, writeFileAtomic } from '../platform/write-file-atomic.js';

export interface EncryptedFileStoreOptions {
  dir: string;
  /** Asked lazily, at most once per successful unlock; never stored. */
  passphrase: () => Promise<string>;
  /** Cost of a new store's key derivation; an existing store keeps the cost it was made with. */
  scrypt?: ScryptParams;
}

interface Unlocked {
  cipher: FileStoreCipher;
  salt: string;
  params: ScryptParams;
}

const STORE_FILE = 'store.json';
const VERIFIER_AAD = 'credd-file-store/v1 verifier';
const VERIFIER_TEXT = 'credd encrypted file store';
const itemAad = (item: string): string => `credd-file-store/v1 item ${item}`;

/**
 * Secrets as files for machines without an OS keychain (headless Linux), one AES-256-GCM
 * file per item. One salt and one scrypt derivation serve the whole store: store.json holds the
 * salt and a sealed known text, so a wrong passphrase is caught before anything is read or
 * written — even in an empty store — and the slow KDF runs once per process, not per item.
 * Item names are file names (base64url), so list() needs no passphrase; nothing else is readable.
 */
export class EncryptedFileStore implements LockableStore {
  readonly description: string;
  readonly #dir: string;
  readonly #passphrase: () => Promise<string>;
  readonly #newStoreParams: ScryptParams;
  #unlocked: Unlocked | undefined;
  #unlockQueue: Promise<unknown> = Promise.resolve();

  constructor(options: EncryptedFileStoreOptions) {
    this.#dir = path.resolve(options.dir);
    this.#passphrase = options.passphrase;
    this.#newStoreParams = options.scrypt ?? DEFAULT_SCRYPT;
    if (!validScryptParams(this.#newStoreParams)) throw new KeychainError('The scrypt parameters for the encrypted file store are out of range.');
    this.description = `encrypted file (${this.#dir})`;
  }

  async get(item: string): Promise<string | undefined> {
    const text = await this.#asKeychainError('read', () => readIfExists(this.#itemPath(item)));
    if (text === undefined) return undefined;
    const unlocked = await this.#unlock(false);
    if (!unlocked) {
      throw new KeychainError(
        `${path.join(this.#dir, STORE_FILE)} is missing, so "${item}" cannot be decrypted; restore it from a backup, or delete the item files and add the keys again.`,
      );
    }
    const sealed = parseSealedFile(text);
    if (!sealed) throw new KeychainError(`The file for "${item}" in the encrypted file store at ${this.#dir} is damaged; delete "${item}" and add it again.`);
    if (sealed.salt !== unlocked.salt || !sameParams(sealed, unlocked.params)) {
      throw new KeychainError(`"${item}" in the encrypted file store at ${this.#dir} was encrypted for a different store; delete it and add it again.`);
    }
    const value = unlocked.cipher.open(sealed, itemAad(item));
    if (value === undefined) {
      throw new KeychainError(
        `"${item}" in the encrypted file store at ${this.#dir} failed its integrity check (the file was modified or copied from another item); delete it and add it again.`,
      );
    }
    return value;
  }

  async set(item: string, value: string): Promise<void> {
    const file = this.#itemPath(item);
    const unlocked = await this.#unlock(true);
    if (!unlocked) throw new KeychainError(`The encrypted file store at ${this.#dir} could not be created.`);
    const sealed: SealedFile = { v: 1, kdf: 'scrypt', ...unlocked.params, salt: unlocked.salt, ...unlocked.cipher.seal(value, itemAad(item)) };
    await this.#asKeychainError('write', () => writeFileAtomic(file, `${JSON.stringify(sealed)}\n`, { overwrite: true }));
  }

  async delete(item: string): Promise<boolean> {
    const file = this.#itemPath(item);
    if (!(await this.#asKeychainError('read', () => exists(file)))) return false;
    // Only the passphrase's owner may remove items; with no store.json there is nothing to check against.
    await this.#unlock(false);
    return this.#asKeychainError('delete', async () => {
      try {
        await fs.unlink(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw err;
      }
      await syncDir(this.#dir);
      return true;
    });
  }

  async list(): Promise<string[]> {
    const names = await this.#asKeychainError('list', async () => {
      try {
        return await fs.readdir(this.#dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
    });
    return names.flatMap((name) => itemFromFileName(name) ?? []).sort();
  }

  /** `credd unlock`: checks the passphrase now (or creates the store with it) and keeps the key. */
  async unlockWith(passphrase: string): Promise<void> {
    const next = this.#unlockQueue.then(async () => {
      this.#unlocked = await this.#openOrCreate(true, passphrase);
    });
    this.#unlockQueue = next.catch(() => undefined);
    await next;
  }

  /** `credd lock`: forget the derived key; the passphrase is needed again. */
  lock(): void {
    this.#unlocked = undefined;
  }

  #itemPath(item: string): string {
    const name = itemFileName(item);
    if (name === undefined) throw new KeychainError(`The item name "${item.slice(0, 40)}" cannot be used in the encrypted file store (it is empty or too long).`);
    return path.join(this.#dir, name);
  }

  /**
   * Unlocks run one at a time, so concurrent first calls share one passphrase prompt and one
   * scrypt run; a failed attempt (wrong passphrase) leaves the next call free to ask again.
   */
  #unlock(create: boolean): Promise<Unlocked | undefined> {
    const next = this.#unlockQueue.then(async () => {
      this.#unlocked ??= await this.#openOrCreate(create);
      return this.#unlocked;
    });
    this.#unlockQueue = next.catch(() => undefined);
    return next;
  }

  async #openOrCreate(create: boolean, given?: string): Promise<Unlocked | undefined> {
    const storeFile = path.join(this.#dir, STORE_FILE);
    const text = await this.#asKeychainError('read', () => readIfExists(storeFile));
    if (text !== undefined) return this.#verify(text, given);
    if (!create) return undefined;
    const passphrase = given ?? (await this.#askPassphrase());
    if (passphrase === '') throw new KeychainError(`An empty passphrase cannot protect the encrypted file store at ${this.#dir}; choose a real one.`);
    const params = this.#newStoreParams;
    const salt = randomBytes(16).toString('base64');
    const cipher = await FileStoreCipher.derive(passphrase, Buffer.from(salt, 'base64'), params);
    const sealed: SealedFile = { v: 1, kdf: 'scrypt', ...params, salt, ...cipher.seal(VERIFIER_TEXT, VERIFIER_AAD) };
    try {
      await this.#asKeychainError('write', async () => {
        await ensurePrivateDir(this.#dir);
        await writeFileAtomic(storeFile, `${JSON.stringify(sealed)}\n`, { overwrite: false });
      });
    } catch (err) {
      // Another process created the store first: its passphrase is the one that counts.
      const raced = await readIfExists(storeFile).catch(() => undefined);
      if (raced === undefined) throw err;
      return this.#verify(raced, passphrase);
    }
    return { cipher, salt, params };
  }

  /** Checks a passphrase (asked now unless given) against store.json's sealed known text. */
  async #verify(text: string, passphrase?: string): Promise<Unlocked> {
    const sealed = this.#parseStore(text);
    const cipher = await FileStoreCipher.derive(passphrase ?? (await this.#askPassphrase()), Buffer.from(sealed.salt, 'base64'), sealed);
    if (cipher.open(sealed, VERIFIER_AAD) !== VERIFIER_TEXT) {
      throw new KeychainError(`The passphrase for the encrypted file store at ${this.#dir} is wrong; enter the one the store was created with.`);
    }
    return { cipher, salt: sealed.salt, params: { N: sealed.N, r: sealed.r, p: sealed.p } };
  }

  #parseStore(text: string): SealedFile {
    const sealed = parseSealedFile(text);
    if (!sealed || !validScryptParams(sealed)) {
      throw new KeychainError(`${path.join(this.#dir, STORE_FILE)} is damaged or not a credd file store; move ${this.#dir} aside to start a new store.`);
    }
    return sealed;
  }

  async #askPassphrase(): Promise<string> {
    try {
      return await this.#passphrase();
    } catch (err) {
      if (err instanceof CreddError) throw err;
      throw new KeychainError(`No passphrase was given for the encrypted file store at ${this.#dir}.`, { cause: err });
    }
  }

  /** File system failures become KeychainErrors; their messages carry paths, never contents. */
  async #asKeychainError<T>(what: 'read' | 'write' | 'delete' | 'list', op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      if (err instanceof CreddError) throw err;
      const detail = err instanceof Error ? err.message : String(err);
      throw new KeychainError(`The encrypted file store at ${this.#dir} could not ${what} (${detail}); check that the directory is yours and writable.`, { cause: err });
    }
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.stat(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

function sameParams(a: ScryptParams, b: ScryptParams): boolean {
  return a.N === b.N && a.r === b.r && a.p === b.p;
}
