import fs from 'node:fs/promises';
import { ConfigError } from '../domain/errors.js';
import { checkIni } from './check-ini.js';

export type Section = Readonly<Record<string, string | undefined>>;

/** The sections of ~/.aws/config, profiles keyed by name, as the SDKs read them. */
export interface AwsConfig {
  file: string;
  profiles: ReadonlyMap<string, Section>;
  /** `[services NAME]` sections, keys like `sts.endpoint_url`. */
  services: ReadonlyMap<string, Section>;
  /** `[sso-session NAME]` sections (IAM Identity Center). */
  ssoSessions: ReadonlyMap<string, Section>;
  /** Profiles with a plaintext access key, and the file that holds it (names only: credd never uses those keys). */
  plaintextKeys?: ReadonlyMap<string, string>;
}

const NON_PROFILE_PREFIXES = ['sso-session.', 'services.'];

/** The last parse per file pair, reused while both are unchanged (CLI commands may load the config more than once). */
const parsedCache = new Map<string, { stamp: string; config: AwsConfig }>();

async function stampOf(file: string): Promise<{ stamp: string; exists: boolean }> {
  const st = await fs.stat(file, { bigint: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
    throw new ConfigError(`Could not read AWS config file ${file}: ${err.message}`);
  });
  return st === undefined ? { stamp: 'none', exists: false } : { stamp: `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`, exists: true };
}

/**
 * Reads the file fresh whenever it changed, so edits are picked up without a restart. A file
 * the AWS CLI would refuse is refused here too, before anything is read from it. With
 * `credentialsFile`, also notes which profiles keep a plaintext key there (to say
 * "credd import" instead of "no key"); the keys themselves are dropped at once.
 */
export async function loadAwsConfig(file: string, credentialsFile?: string): Promise<AwsConfig> {
  const own = await stampOf(file);
  const creds = credentialsFile === undefined ? 'none' : (await stampOf(credentialsFile)).stamp;
  const key = `${file}\0${credentialsFile ?? ''}`;
  const stamp = `${own.stamp}|${creds}`;
  const cached = parsedCache.get(key);
  if (cached?.stamp === stamp) return cached.config;
  if (own.exists) {
    const text = await fs.readFile(file, 'utf8').catch((err: Error) => {
      throw new ConfigError(`Could not read AWS config file ${file}: ${err.message}`);
    });
    checkIni(file, text);
  }
  const config = await parse(file, credentialsFile);
  parsedCache.set(key, { stamp, config });
  return config;
}

async function parse(file: string, credentialsFile: string | undefined): Promise<AwsConfig> {
  // Loaded on first use: most CLI commands never read the config, and start-up time matters.
  const { loadSharedConfigFiles } = await import('@smithy/shared-ini-file-loader');
  let parsed: Awaited<ReturnType<typeof loadSharedConfigFiles>>;
  try {
    // The credentials file is deliberately not read: credd never takes keys from plaintext.
    parsed = await loadSharedConfigFiles({ configFilepath: file, filepath: credentialsFile ?? '/nonexistent/credd', ignoreCache: true });
  } catch (err) {
    throw new ConfigError(`Could not read AWS config file ${file}: ${(err as Error).message}`);
  }
  const profiles = new Map<string, Section>();
  const services = new Map<string, Section>();
  const ssoSessions = new Map<string, Section>();
  for (const [key, section] of Object.entries(parsed.configFile)) {
    if (key.startsWith('services.')) services.set(key.slice('services.'.length), section);
    else if (key.startsWith('sso-session.')) ssoSessions.set(key.slice('sso-session.'.length), section);
    else if (!NON_PROFILE_PREFIXES.some((p) => key.startsWith(p))) profiles.set(key, section);
  }
  const plaintextKeys = new Map<string, string>();
  for (const [name, section] of profiles) if (section['aws_access_key_id'] !== undefined) plaintextKeys.set(name, file);
  for (const [name, section] of Object.entries(parsed.credentialsFile)) {
    if (credentialsFile !== undefined && section['aws_access_key_id'] !== undefined) plaintextKeys.set(name, credentialsFile);
  }
  return { file, profiles, services, ssoSessions, plaintextKeys };
}
