/**
 * Item names become file names as base64url(UTF-8) + ".json": reversible, filesystem-safe on
 * every OS, and free of "/", "..", case-folding clashes (NTFS, APFS) and reserved names.
 */
export function itemFileName(item: string): string | undefined {
  const encoded = Buffer.from(item, 'utf8').toString('base64url');
  // 200 characters keeps the name (and its temp-file sibling) under the 255-byte limit.
  if (item === '' || encoded.length > 200) return undefined;
  return `${encoded}.json`;
}

/** The item a file name stands for, or undefined for store.json, temp files and strays. */
export function itemFromFileName(name: string): string | undefined {
  const match = /^([A-Za-z0-9_-]+)\.json$/.exec(name);
  if (!match?.[1]) return undefined;
  const bytes = Buffer.from(match[1], 'base64url');
  // Only a canonical encoding round-trips; that rules out "store" (5 base64 characters cannot
  // be canonical) and anything else credd did not write.
  if (bytes.toString('base64url') !== match[1]) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
