import path from 'node:path';
import { errorMessage } from '../domain/errors.js';
import { ensurePrivateDir, readIfExists } from '../platform/private-files.js';
import { writeFileAtomic } from '../platform/write-file-atomic.js';

interface IndexFile {
  v: 1;
  service: string;
  items: string[];
}

/**
 * The names of credd's keychain items, in a 0600 file beside credd's other state. Names are
 * not secrets; keeping them here lets `list` answer without opening any item, because the
 * keyring library's own listing reads every item's password (each one an access check, and
 * on macOS a dialog per untrusted item) and silently drops the ones it could not read.
 */
export class ItemIndex {
  constructor(
    private readonly file: string,
    private readonly service: string,
  ) {}

  /** The names, or undefined when there is no index yet (first run after an upgrade). */
  async read(): Promise<string[] | undefined> {
    let text: string | undefined;
    try {
      text = await readIfExists(this.file);
    } catch {
      return undefined;
    }
    if (text === undefined) return undefined;
    try {
      const data = JSON.parse(text) as Partial<IndexFile>;
      if (data.v !== 1 || data.service !== this.service || !Array.isArray(data.items)) return undefined;
      return data.items.filter((i): i is string => typeof i === 'string').sort();
    } catch {
      return undefined;
    }
  }

  async write(items: Iterable<string>): Promise<void> {
    const body: IndexFile = { v: 1, service: this.service, items: [...new Set(items)].sort() };
    await ensurePrivateDir(path.dirname(this.file));
    await writeFileAtomic(this.file, `${JSON.stringify(body)}\n`);
  }

  describeFailure(err: unknown): string {
    return `could not update the keychain item index ${this.file}: ${errorMessage(err)}`;
  }
}
