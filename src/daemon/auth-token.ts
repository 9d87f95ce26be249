import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { CreddError } from '../domain/errors.js';
import { ensurePrivateDir, readIfExists } from '../platform/private-files.js';
import { writeFileAtomic } from '../platform/write-file-atomic.js';

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43,128}$/;

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export interface TokenResult {
  token: string;
  /** Why the token was (re)created, when it was; shells with the old one need `credd env` again. */
  recreated?: 'missing' | 'corrupt';
}

/**
 * Loads the daemon's auth token, creating it on first use. The token is stable across
 * restarts so `eval "$(credd env)"` in a long-lived shell keeps working.
 */
export async function loadOrCreateToken(home: string, file: string): Promise<TokenResult> {
  await ensurePrivateDir(home);
  let existing: string | undefined;
  try {
    existing = await readIfExists(file);
  } catch (err) {
    throw new CreddError('TokenUnreadable', `The auth token file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); remove whatever is there and start again.`);
  }
  if (existing !== undefined && TOKEN_SHAPE.test(existing.trim())) {
    const st = await fs.stat(file);
    if ((st.mode & 0o077) !== 0) await fs.chmod(file, 0o600);
    return { token: existing.trim() };
  }
  const token = newToken();
  if (existing === undefined) {
    try {
      // 'wx' so two processes creating the token at once agree on one.
      await fs.writeFile(file, token, { mode: 0o600, flag: 'wx' });
      return { token, recreated: 'missing' };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateToken(home, file);
      throw err;
    }
  }
  await writeFileAtomic(file, token);
  return { token, recreated: 'corrupt' };
}

/** `credd token rotate`: a new token replaces the old at once; shells pick it up with `credd env`. */
export async function rotateToken(home: string, file: string): Promise<string> {
  await ensurePrivateDir(home);
  const token = newToken();
  await writeFileAtomic(file, token);
  return token;
}
