import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import os from 'node:os';
import fs from 'node:fs/promises';
import path from 'node:path';
import { rootOf, type Profile } from '../../domain/profile.js';
import { splitCommand } from '../../platform/split-command.js';
import { cacheKeyOf, readToken, tokenCacheFile } from '../../aws/sso-token-cache.js';

export interface Prerequisite {
  ok: boolean;
  /** What was checked, or what is wrong: a short phrase. */
  what: string;
  fix?: string;
}

export interface PrerequisiteInput {
  hasKey: (name: string) => boolean;
  env: NodeJS.ProcessEnv;
  now: number;
  /** When the running daemon last found this profile's aws login session ended (ms), if it did. */
  loginRefusedAt?: (name: string) => number | undefined;
}

/**
 * What a profile's kind needs before the daemon can serve it, checked without running or
 * calling anything: the web identity token file is readable, the credential_process program
 * exists and is executable, a plaintext key has been imported. Undefined when nothing can
 * be checked from here.
 */
export async function prerequisiteOf(profile: Profile, { hasKey, env, now, loginRefusedAt }: PrerequisiteInput): Promise<Prerequisite | undefined> {
  const root = rootOf(profile);
  if (root.kind === 'web-identity') {
    const text = await fs.readFile(root.tokenFile, 'utf8').catch(() => undefined);
    if (text === undefined) {
      return { ok: false, what: `token file ${root.tokenFile} is missing or unreadable`, fix: `have the token issuer write ${root.tokenFile}, or fix web_identity_token_file of ${root.name}` };
    }
    const exp = jwtExpiry(text.trim());
    if (exp !== undefined && exp <= now) {
      return { ok: false, what: `the token in ${root.tokenFile} expired at ${new Date(exp).toISOString()}`, fix: `have the token issuer rewrite ${root.tokenFile}` };
    }
    return { ok: true, what: `token file ${root.tokenFile} readable` };
  }
  if (root.kind === 'process') {
    const argv = splitCommand(root.command);
    if (!Array.isArray(argv)) return { ok: false, what: `credential_process of ${root.name} cannot be split (${argv.problem})`, fix: `fix the quoting of credential_process in profile ${root.name}` };
    const program = argv[0] ?? '';
    const found = await findExecutable(program, env);
    return found
      ? { ok: true, what: `credential_process runs ${found}` }
      : { ok: false, what: `credential_process program "${program}" is not an executable file${program.includes('/') ? '' : ' on PATH'}`, fix: `install it or give its full path in credential_process of ${root.name}` };
  }
  if (root.kind === 'login') {
    const dir = env['AWS_LOGIN_CACHE_DIRECTORY'] || path.join(env['HOME'] ?? os.homedir(), '.aws', 'login', 'cache');
    const file = path.join(dir, `${createHash('sha256').update(root.loginSession, 'utf8').digest('hex')}.json`);
    const cached = await fs.readFile(file, 'utf8').then((t) => JSON.parse(t) as { accessToken?: { expiresAt?: string }; refreshToken?: string }, () => undefined);
    if (!cached?.refreshToken) return { ok: false, what: `no aws login session cached for ${root.name}`, fix: `aws login --profile ${root.name}` };
    // Only the sign-in service knows the session has ended; the daemon asked it. A cache written
    // after that (a new `aws login`) is trusted again.
    const refusedAt = loginRefusedAt?.(profile.name);
    const writtenAt = await fs.stat(file).then((st) => st.mtimeMs, () => 0);
    if (refusedAt !== undefined && refusedAt >= writtenAt) return { ok: false, what: `the aws login session of ${root.name} has ended`, fix: `aws login --profile ${root.name}` };
    const until = cached.accessToken?.expiresAt;
    return { ok: true, what: `aws login session cached${until ? ` (credentials until ${until}, refreshed as needed)` : ''}` };
  }
  if (root.kind === 'sso') {
    const token = await readToken(tokenCacheFile(env, cacheKeyOf(root)));
    const usable = token !== undefined && (Date.parse(token.expiresAt) > now || token.refreshToken !== undefined);
    return usable ? { ok: true, what: 'IAM Identity Center sign-in cached' } : { ok: false, what: `no IAM Identity Center sign-in cached for ${root.name}`, fix: `credd login ${root.name}` };
  }
  if (root.kind === 'keychain' && root.plaintextKeyIn !== undefined && !hasKey(root.name)) {
    return { ok: false, what: `key of ${root.name} is only in ${root.plaintextKeyIn}, which credd does not read`, fix: `credd import ${root.name}` };
  }
  return undefined;
}

/** The `exp` of a JWT-shaped token, in ms, read without verifying it (the issuer's business). */
function jwtExpiry(token: string): number | undefined {
  const body = token.split('.')[1];
  if (body === undefined) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** Resolves a program as execvp would: a path with a slash as is, a bare name along PATH. */
async function findExecutable(program: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const candidates = program.includes('/') ? [program] : (env['PATH'] ?? '').split(':').filter((d) => d !== '').map((d) => path.join(d, program));
  for (const c of candidates) {
    const ok = await fs.stat(c).then((s) => s.isFile(), () => false) && (await fs.access(c, constants.X_OK).then(() => true, () => false));
    if (ok) return c;
  }
  return undefined;
}
