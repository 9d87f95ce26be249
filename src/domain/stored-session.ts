import type { TemporaryCredentials } from './credentials.js';

/** Secret-store item holding the MFA session of a source (IAM user) profile. */
export function sessionItem(profile: string): string {
  return `session:${profile}`;
}

export function profileOfSessionItem(item: string): string | undefined {
  return item.startsWith('session:') ? item.slice('session:'.length) : undefined;
}

export interface StoredSession {
  serial: string;
  creds: TemporaryCredentials;
}

export function encodeSession(s: StoredSession): string {
  return JSON.stringify({
    v: 1,
    serial: s.serial,
    accessKeyId: s.creds.accessKeyId,
    secretAccessKey: s.creds.secretAccessKey,
    sessionToken: s.creds.sessionToken,
    expiration: s.creds.expiration.toISOString(),
  });
}

/** Undefined for anything unreadable: a bad cache entry costs one MFA prompt, never a crash. */
export function decodeSession(raw: string): StoredSession | undefined {
  try {
    const v = JSON.parse(raw) as Record<string, unknown>;
    const fields = ['serial', 'accessKeyId', 'secretAccessKey', 'sessionToken', 'expiration'] as const;
    if (!fields.every((f) => typeof v[f] === 'string')) return undefined;
    const expiration = new Date(v['expiration'] as string);
    if (Number.isNaN(expiration.getTime())) return undefined;
    return {
      serial: v['serial'] as string,
      creds: {
        accessKeyId: v['accessKeyId'] as string,
        secretAccessKey: v['secretAccessKey'] as string,
        sessionToken: v['sessionToken'] as string,
        expiration,
      },
    };
  } catch {
    return undefined;
  }
}
