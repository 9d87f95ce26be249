import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cleanEnv, CREDD_BIN, run, type RunResult } from '../shared/run-process.js';

// The process helpers live in test/shared/ (the benchmark uses them too); these names stay here for the tests.
export { cleanEnv, CREDD_BIN, CREDD_MODULE_BIN, ROOT, run, type RunResult } from '../shared/run-process.js';

export interface Sandbox {
  home: string;
  configFile: string;
  env: Record<string, string>;
  credd(args: string[], opts?: { input?: string; env?: Record<string, string> }): Promise<RunResult>;
  cleanup(): Promise<void>;
}

/**
 * A throwaway CREDD_HOME, AWS config and keychain service name, so tests share nothing
 * with each other or with the developer's own credd.
 */
export async function sandbox(opts: { config: string; stsUrl: string; extraEnv?: Record<string, string> }): Promise<Sandbox> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-e2e-'));
  const home = path.join(dir, 'home');
  const configFile = path.join(dir, 'aws-config');
  await fs.writeFile(configFile, opts.config);
  const env = cleanEnv({
    CREDD_HOME: home,
    AWS_CONFIG_FILE: configFile,
    AWS_ENDPOINT_URL_STS: opts.stsUrl,
    CREDD_KEYCHAIN_SERVICE: `credd-test-${randomUUID()}`,
    // The most verbose level, so every flow's no-secret-in-logs check holds at any level a user can pick.
    CREDD_LOG_LEVEL: 'trace',
    ...opts.extraEnv,
  });
  return {
    home,
    configFile,
    env,
    credd: (args, o = {}) => run(process.execPath, [CREDD_BIN, ...args], { env: { ...env, ...o.env }, ...(o.input !== undefined && { input: o.input }) }),
    cleanup: () => fs.rm(dir, { recursive: true, force: true }),
  };
}
