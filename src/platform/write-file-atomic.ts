import fs from 'node:fs/promises';
import path from 'node:path';

export interface WriteFileAtomicOptions {
  /** Replace an existing file (rename, the default) or fail with EEXIST when there is one (link). */
  overwrite?: boolean;
}

/**
 * credd's one way to write a file it keeps: 0600, and a crash at any point leaves either the
 * old or the new content, never a truncated one: temp file in the same directory, fsync,
 * rename (or link, which fails instead of replacing), then fsync the directory so the rename
 * itself survives a power cut.
 */
export async function writeFileAtomic(file: string, data: string, options: WriteFileAtomicOptions = {}): Promise<void> {
  const dir = path.dirname(file);
  // The leading dot and .tmp suffix keep leftovers of a crash out of listings (the file store's items).
  // node:crypto loaded here, not at the top: most short commands never write a file.
  const { randomBytes } = await import('node:crypto');
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fs.open(tmp, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.overwrite ?? true) await fs.rename(tmp, file);
    else await linkOrRename(tmp, file);
  } finally {
    // After a rename the temp name is gone already; after a link (or a failure) it must go.
    await fs.rm(tmp, { force: true });
  }
  await syncDir(dir);
}

async function linkOrRename(tmp: string, file: string): Promise<void> {
  try {
    await fs.link(tmp, file);
  } catch (err) {
    // Some filesystems (FAT, some FUSE mounts) have no hard links; there a rename is the best
    // available, with a small window in which a concurrent creator could be overwritten.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw err;
    await fs.rename(tmp, file);
  }
}

/** Makes a rename or unlink in `dir` durable. */
export async function syncDir(dir: string): Promise<void> {
  // Windows cannot open a directory for fsync; NTFS journals the rename on its own.
  if (process.platform === 'win32') return;
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
