import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../platform/write-file-atomic.js';

/** The AWS CLI v2's SSO token cache entry (~/.aws/sso/cache/<sha1>.json), as botocore writes it. */
export interface SsoToken {
  startUrl: string;
  region: string;
  accessToken: string;
  /** `YYYY-MM-DDTHH:MM:SSZ` */
  expiresAt: string;
  clientId?: string;
  clientSecret?: string;
  registrationExpiresAt?: string;
  refreshToken?: string;
}

/**
 * Same file as `aws sso login`, so one sign-in serves both: sha1 of the sso-session name,
 * or of the start URL for the legacy profile form.
 */
export function tokenCacheFile(env: NodeJS.ProcessEnv, key: string): string {
  const home = env['HOME'] || os.homedir();
  return path.join(home, '.aws', 'sso', 'cache', `${createHash('sha1').update(key, 'utf8').digest('hex')}.json`);
}

/** The cache key of an SSO profile: its sso-session name, or the start URL (legacy form). */
export function cacheKeyOf(profile: { ssoSession?: string; startUrl: string }): string {
  return profile.ssoSession ?? profile.startUrl;
}

/** Undefined when missing or unreadable: either way the user has to sign in. */
export async function readToken(file: string): Promise<SsoToken | undefined> {
  try {
    const v = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<SsoToken>;
    if (typeof v.accessToken !== 'string' || typeof v.expiresAt !== 'string' || Number.isNaN(Date.parse(v.expiresAt))) return undefined;
    return v as SsoToken;
  } catch {
    return undefined;
  }
}

/** 0600 in a 0700 dir, written atomically so `aws` never reads half a file. */
export async function writeToken(file: string, token: SsoToken): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, JSON.stringify(token));
}
