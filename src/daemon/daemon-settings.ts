import os from 'node:os';
import { systemClock, type SystemClock } from '../platform/clock.js';
import { createLogger, type Logger } from '../platform/logger.js';
import { awsConfigFile, awsCredentialsFile, creddPaths, defaultCreddHome, type CreddPaths } from '../platform/paths.js';
import { portFromEnv, processTimeoutMs } from '../platform/settings.js';

export interface DaemonOptions {
  port?: number;
  /** Serve IMDS without a session token (IMDSv1), for old clients. */
  imdsV1?: boolean;
  /** `--imds` / `--no-imds`; undefined: on where the peer uid can be checked (Linux), else off. */
  imds?: boolean;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Where this daemon logs, recorded in daemon.json for `credd logs`. */
  logFile?: string;
  clock?: SystemClock;
}

/** Everything the daemon takes from its options and environment, read once before any part is built. */
export interface DaemonSettings {
  env: NodeJS.ProcessEnv;
  logger: Logger;
  paths: CreddPaths;
  configFile: string;
  credentialsFile: string;
  wantedPort: number;
  /** The `--imds` flag as given; the platform decides when it is undefined (see tcp-defences.ts). */
  imdsFlag: boolean | undefined;
  imdsV1: boolean;
  defaultRegion: string;
  extraHosts: string[];
  processTimeoutMs: number;
  roleSessionName: string;
  logFile: string | undefined;
  clock: SystemClock;
}

export function daemonSettings(opts: DaemonOptions): DaemonSettings {
  const env = opts.env ?? process.env;
  return {
    env,
    logger: opts.logger ?? createLogger(),
    paths: creddPaths(defaultCreddHome(env)),
    configFile: awsConfigFile(env),
    credentialsFile: awsCredentialsFile(env),
    wantedPort: opts.port ?? portFromEnv(env),
    imdsFlag: opts.imds,
    imdsV1: opts.imdsV1 ?? env['CREDD_IMDS_V1'] === 'true',
    defaultRegion: env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? 'us-east-1',
    extraHosts: (env['CREDD_ALLOWED_HOSTS'] ?? '').split(',').map((h) => h.trim().toLowerCase()).filter((h) => h !== ''),
    processTimeoutMs: processTimeoutMs(env),
    roleSessionName: sessionName(),
    logFile: opts.logFile,
    clock: opts.clock ?? systemClock,
  };
}

/** Shows up in CloudTrail as the session name: who, and that it came through credd. */
function sessionName(): string {
  let user = 'user';
  try {
    user = os.userInfo().username;
  } catch {
    // no passwd entry (some containers): keep the placeholder
  }
  return `credd-${user}`.replace(/[^\w+=,.@-]/g, '_').slice(0, 64);
}
