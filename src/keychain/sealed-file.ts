import type { ScryptParams, SealedBox } from './file-store-cipher.js';

/**
 * The JSON shape of every file in the encrypted store (items and store.json alike). Each file
 * names its KDF, parameters and salt so it can be understood on its own, years later.
 */
export interface SealedFile extends ScryptParams, SealedBox {
  v: 1;
  kdf: 'scrypt';
  salt: string;
}

const base64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The file's content when it has the expected shape, otherwise undefined. */
export function parseSealedFile(text: string): SealedFile | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null) return undefined;
  const o = data as Record<string, unknown>;
  if (o['v'] !== 1 || o['kdf'] !== 'scrypt') return undefined;
  const { N, r, p, salt, iv, tag, ct } = o;
  if (typeof N !== 'number' || typeof r !== 'number' || typeof p !== 'number') return undefined;
  for (const field of [salt, iv, tag, ct]) {
    if (typeof field !== 'string' || !base64.test(field)) return undefined;
  }
  return { v: 1, kdf: 'scrypt', N, r, p, salt: salt as string, iv: iv as string, tag: tag as string, ct: ct as string };
}
