import fsSync, { type Stats } from 'node:fs';
import fs from 'node:fs/promises';

/** Why `st` (from lstat) may not be trusted as ours alone, or undefined when it may. */
function distrust(st: Stats): string | undefined {
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) return `owned by uid ${st.uid}, not by you (uid ${uid})`;
  if ((st.mode & 0o022) !== 0) return 'writable by group or others';
  return undefined;
}

/** A path in CREDD_HOME that is not ours alone; the CLI prints its message as one line. */
export class UnsafePathError extends Error {
  readonly code = 'UnsafePath';
  constructor(message: string) {
    super(message);
    this.name = 'UnsafePathError';
  }
}

function unsafe(p: string, why: string): UnsafePathError {
  return new UnsafePathError(`credd refuses to use ${p}: it is ${why} (CREDD_HOME and what is in it must be yours alone).`);
}

/**
 * The state dir must be ours alone: a directory (or our own symlink to one) owned by us and
 * writable by nobody else. Otherwise another user could plant a socket, a token or keys.
 * Missing is fine (credd creates it 0700).
 */
export function checkPrivateDirSync(dir: string): void {
  let st: Stats;
  try {
    st = fsSync.lstatSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw unsafe(dir, `unreadable (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (st.isSymbolicLink()) {
    const own = distrust(st);
    if (own !== undefined && !own.startsWith('writable')) throw unsafe(dir, `a symlink ${own}`);
    try {
      st = fsSync.statSync(dir);
    } catch {
      throw unsafe(dir, 'a symlink to nothing');
    }
  }
  if (!st.isDirectory()) throw unsafe(dir, 'not a directory');
  const why = distrust(st);
  if (why !== undefined) throw unsafe(dir, `a directory ${why}`);
}

/** Each entry of the state dir, if present, must be a plain file, dir or socket of ours: never a symlink. */
export function checkPrivateEntriesSync(entries: readonly string[]): void {
  for (const p of entries) {
    let st: Stats;
    try {
      st = fsSync.lstatSync(p);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) throw unsafe(p, 'a symlink');
    const why = distrust(st);
    if (why !== undefined) throw unsafe(p, why);
  }
}

/**
 * Creates `dir` as 0700, or tightens it if it exists with looser permissions: the state
 * dir holds the auth token and the control socket, which must be the user's alone.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  checkPrivateDirSync(dir);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  checkPrivateDirSync(dir);
  const st = await fs.stat(dir);
  if ((st.mode & 0o077) !== 0) await fs.chmod(dir, 0o700);
}

/** Reads one of credd's own files: never through a symlink, never one another user owns. */
export async function readIfExists(file: string): Promise<string | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, fsSync.constants.O_RDONLY | fsSync.constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw unsafe(file, 'a symlink');
    throw err;
  }
  try {
    const why = distrust(await handle.stat());
    if (why !== undefined) throw unsafe(file, why);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}
