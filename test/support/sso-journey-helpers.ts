// Helpers for the IAM Identity Center journeys: run the built CLI while playing the user in the
// browser (approving the device code it prints at the SSO emulator), sign in the way `aws sso
// login` does and write its cache file, and run the JS SDK's own fromSSO provider in a child.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { CreateTokenCommand, RegisterClientCommand, SSOOIDCClient, StartDeviceAuthorizationCommand } from '@aws-sdk/client-sso-oidc';
import { CREDD_BIN, ROOT, type RunResult } from './cli-harness.js';
import type { SsoEmulator } from './sso-emulator.js';

/** An AWS CLI v2 token cache entry (~/.aws/sso/cache/<sha1>.json). */
export interface SsoCacheEntry {
  startUrl: string;
  region: string;
  accessToken: string;
  expiresAt: string;
  clientId?: string;
  clientSecret?: string;
  registrationExpiresAt?: string;
  refreshToken?: string;
}

/** The keys botocore writes for an sso-session token, sorted. */
export const CACHE_KEYS = ['accessToken', 'clientId', 'clientSecret', 'expiresAt', 'refreshToken', 'region', 'registrationExpiresAt', 'startUrl'];

export const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** sha1 of the sso-session name (or of the start URL for the legacy form), as the AWS CLI v2 names it. */
export function ssoCacheFile(home: string, key: string): string {
  return path.join(home, '.aws', 'sso', 'cache', `${createHash('sha1').update(key, 'utf8').digest('hex')}.json`);
}

export async function readCacheEntry(file: string): Promise<SsoCacheEntry> {
  return JSON.parse(await fs.readFile(file, 'utf8')) as SsoCacheEntry;
}

export interface ApprovedRun extends RunResult {
  /** The user codes the CLI printed, in order; each was decided at the emulator as soon as it appeared. */
  userCodes: string[];
}

/** Runs the built CLI; approves (or with `deny`, denies) every device code it prints on stderr, as the user in the browser would. */
export function runApproving(args: string[], env: Record<string, string>, emu: SsoEmulator, opts: { user?: string; deny?: boolean; timeoutMs?: number } = {}): Promise<ApprovedRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CREDD_BIN, ...args], { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const userCodes: string[] = [];
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      for (const m of stderr.matchAll(/confirm the code ([A-Z]{4}-[A-Z]{4})/g)) {
        const code = m[1] ?? '';
        if (userCodes.includes(code)) continue;
        userCodes.push(code);
        if (opts.deny === true) emu.deny(code);
        else emu.approve(code, opts.user === undefined ? {} : { user: opts.user });
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, userCodes });
    });
  });
}

/**
 * The device flow as `aws sso login` runs it (RegisterClient with scopes for an sso-session,
 * none for the legacy form), approved at once as `user`; returns what botocore caches.
 */
export async function awsCliSignIn(emu: SsoEmulator, opts: { startUrl: string; region: string; session?: string; user?: string }): Promise<SsoCacheEntry> {
  const oidc = new SSOOIDCClient({ region: opts.region, endpoint: emu.url });
  try {
    const scoped = opts.session !== undefined;
    const reg = await oidc.send(new RegisterClientCommand({ clientName: `botocore-client-${opts.session ?? 'legacy'}`, clientType: 'public', ...(scoped && { scopes: ['sso:account:access'] }) }));
    const clientId = reg.clientId ?? '';
    const clientSecret = reg.clientSecret ?? '';
    const auth = await oidc.send(new StartDeviceAuthorizationCommand({ clientId, clientSecret, startUrl: opts.startUrl }));
    emu.approve(auth.userCode ?? '', opts.user === undefined ? {} : { user: opts.user });
    const grantType = 'urn:ietf:params:oauth:grant-type:device_code';
    const token = await oidc.send(new CreateTokenCommand({ clientId, clientSecret, grantType, deviceCode: auth.deviceCode ?? '' }));
    const base = { startUrl: opts.startUrl, region: opts.region, accessToken: token.accessToken ?? '', expiresAt: isoSeconds(Date.now() + (token.expiresIn ?? 0) * 1000) };
    if (!scoped) return base;
    return { ...base, clientId, clientSecret, registrationExpiresAt: isoSeconds((reg.clientSecretExpiresAt ?? 0) * 1000), refreshToken: token.refreshToken ?? '' };
  } finally {
    oidc.destroy();
  }
}

/**
 * The JS SDK's own provider, `fromSSO({ profile })`, in a fresh process (it keeps per-process
 * token state), then GetCallerIdentity with what it returned. Resolves to the caller ARN.
 */
export function fromSsoArn(env: Record<string, string>, profile: string, stsUrl: string): Promise<string> {
  const script = `import { fromSSO } from '@aws-sdk/credential-providers';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
const credentials = await fromSSO({ profile: ${JSON.stringify(profile)} })();
const out = await new STSClient({ region: 'us-east-1', endpoint: ${JSON.stringify(stsUrl)}, credentials }).send(new GetCallerIdentityCommand({}));
process.stdout.write(out.Arn ?? '');`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, env, timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`fromSSO child failed: ${stderr || err.message}`));
      else resolve(stdout.trim());
    });
  });
}
