import type { Writable } from 'node:stream';
import { CreddError } from '../domain/errors.js';
import type { Clock, SecretStore } from '../domain/ports.js';
import { systemClock } from '../platform/clock.js';
import { checkPrivateDirSync, checkPrivateEntriesSync } from '../platform/private-files.js';
import { awsConfigFile, creddPaths, defaultCreddHome, type CreddPaths } from '../platform/paths.js';
import { terminalStream } from '../platform/terminal-stream.js';
import { daemonClient, type DaemonClient } from './daemon-client.js';
import { processPrompt, type Prompt } from './prompt.js';

/** Every side effect a command may use, passed in so tests can run commands directly. */
export interface CliContext {
  env: NodeJS.ProcessEnv;
  paths: CreddPaths;
  configFile: string;
  out: Writable;
  err: Writable;
  prompt: Prompt;
  daemon: DaemonClient;
  /** Wall-clock time for expiry checks and deadlines (tests move it). */
  clock: Pick<Clock, 'now'>;
  /** Opened lazily: the native keychain module loads only for commands that need it. */
  store(): Promise<SecretStore>;
}

/** Opens the secret store for a command that needs one; the full CLI passes it (see run-cli.ts). */
export type StoreOpener = (paths: CreddPaths, env: NodeJS.ProcessEnv, prompt: Prompt) => Promise<SecretStore>;

export function processContext(openStore?: StoreOpener, prompt: Prompt = processPrompt()): CliContext {
  const env = process.env;
  const paths = creddPaths(defaultCreddHome(env));
  // Before anything is read or written there: a state dir another user controls is refused.
  checkPrivateDirSync(paths.home);
  checkPrivateEntriesSync([paths.token, paths.controlSocket, paths.pidFile, paths.state, paths.daemonInfo, paths.notice, paths.portFile, paths.portWarning, paths.audit, paths.fileStoreDir, paths.logDir]);
  let store: Promise<SecretStore> | undefined;
  return {
    env,
    paths,
    configFile: awsConfigFile(env),
    // Nothing from a config file, STS or another process reaches the terminal as a control character.
    out: terminalStream(process.stdout),
    err: terminalStream(process.stderr),
    prompt,
    daemon: daemonClient(paths.controlSocket),
    clock: systemClock,
    store: () => (store ??= openStore ? openStore(paths, env, prompt) : Promise.reject(new CreddError('Internal', 'credd hit an internal error: this command cannot open the secret store.'))),
  };
}
