import { isAccessKeyIdShape, isSecretAccessKeyShape, type LongTermKey } from './credentials.js';

/** Secret-store item holding a profile's long-term key. */
export function keyItem(profile: string): string {
  return `key:${profile}`;
}

export function profileOfKeyItem(item: string): string | undefined {
  return item.startsWith('key:') ? item.slice(4) : undefined;
}

export function encodeKey(key: LongTermKey): string {
  return JSON.stringify({ v: 1, accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey });
}

/** Undefined when the item is not a key credd wrote (so callers can say "corrupt", not crash). */
export function decodeKey(raw: string): LongTermKey | undefined {
  try {
    const v = JSON.parse(raw) as { accessKeyId?: unknown; secretAccessKey?: unknown };
    if (typeof v.accessKeyId !== 'string' || typeof v.secretAccessKey !== 'string') return undefined;
    if (!isAccessKeyIdShape(v.accessKeyId) || !isSecretAccessKeyShape(v.secretAccessKey)) return undefined;
    return { accessKeyId: v.accessKeyId, secretAccessKey: v.secretAccessKey };
  } catch {
    return undefined;
  }
}
