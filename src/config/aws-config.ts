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
}

const NON_PROFILE_PREFIXES = ['sso-session.', 'services.'];

/** The last parse per file, reused while the file is unchanged (the daemon checks it on every request). */
const parsedCache = new Map<string, { stamp: string; config: AwsConfig }>();

/**
 * Reads the file fresh whenever it changed, so edits are picked up without a restart. A file
 * the AWS CLI would refuse is refused here too, before anything is read from it.
 */
export async function loadAwsConfig(file: string): Promise<AwsConfig> {
  const st = await fs.stat(file, { bigint: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
    throw new ConfigError(`Could not read AWS config file ${file}: ${err.message}`);
  });
  const stamp = st === undefined ? 'none' : `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  const cached = parsedCache.get(file);
  if (cached?.stamp === stamp) return cached.config;
  if (st !== undefined) {
    const text = await fs.readFile(file, 'utf8').catch((err: Error) => {
      throw new ConfigError(`Could not read AWS config file ${file}: ${err.message}`);
    });
    checkIni(file, text);
  }
  const config = await parse(file);
  parsedCache.set(file, { stamp, config });
  return config;
}

async function parse(file: string): Promise<AwsConfig> {
  // Loaded on first use: most CLI commands never read the config, and start-up time matters.
  const { loadSharedConfigFiles } = await import('@smithy/shared-ini-file-loader');
  let parsed: Awaited<ReturnType<typeof loadSharedConfigFiles>>;
  try {
    // The credentials file is deliberately not read: credd never takes keys from plaintext.
    parsed = await loadSharedConfigFiles({ configFilepath: file, filepath: '/nonexistent/credd', ignoreCache: true });
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
  return { file, profiles, services, ssoSessions };
}
