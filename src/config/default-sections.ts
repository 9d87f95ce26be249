import type { Section } from './aws-config.js';

export interface DefaultSections {
  /** `[default]` of the shared credentials file. */
  credentials?: Section;
  /** `[default]` of the config file. */
  config?: Section;
}

/**
 * The `[default]` sections of both shared files, as every SDK reads them: what an SDK uses
 * before it ever asks credd. Unreadable files count as empty (this only feeds advice).
 */
export async function loadDefaultSections(files: { configFile: string; credentialsFile: string }): Promise<DefaultSections> {
  const { loadSharedConfigFiles } = await import('@smithy/shared-ini-file-loader');
  const parsed = await loadSharedConfigFiles({ filepath: files.credentialsFile, configFilepath: files.configFile, ignoreCache: true }).catch(() => undefined);
  const credentials = parsed?.credentialsFile['default'];
  const config = parsed?.configFile['default'];
  return { ...(credentials !== undefined && { credentials }), ...(config !== undefined && { config }) };
}
