import os from 'node:os';
import path from 'node:path';

/** Where every file credd keeps lives. `CREDD_HOME` moves all of it. */
export interface CreddPaths {
  home: string;
  token: string;
  pidFile: string;
  controlSocket: string;
  state: string;
  daemonInfo: string;
  /** One line for the shell hook when the user must act (MFA); absent otherwise. */
  notice: string;
  /** The port the daemon last listened on, kept after it stops: `credd init` snippets read it with builtins. */
  portFile: string;
  /** One line for the prompt hook when credd's port is held by something else (written by the CLI). */
  portWarning: string;
  audit: string;
  fileStoreDir: string;
  logDir: string;
}

export function defaultCreddHome(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  const fromEnv = env['CREDD_HOME'];
  if (fromEnv && fromEnv.trim() !== '') return path.resolve(fromEnv);
  const home = env['HOME'] ?? os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'credd');
  const stateHome = env['XDG_STATE_HOME'];
  return path.join(stateHome && stateHome !== '' ? stateHome : path.join(home, '.local', 'state'), 'credd');
}

export function creddPaths(home: string): CreddPaths {
  return {
    home,
    token: path.join(home, 'token'),
    pidFile: path.join(home, 'daemon.pid'),
    controlSocket: path.join(home, 'control.sock'),
    state: path.join(home, 'state.json'),
    daemonInfo: path.join(home, 'daemon.json'),
    notice: path.join(home, 'notice'),
    portFile: path.join(home, 'port'),
    portWarning: path.join(home, 'port-warning'),
    audit: path.join(home, 'audit.log'),
    fileStoreDir: path.join(home, 'secrets'),
    logDir: path.join(home, 'logs'),
  };
}

export function awsConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['AWS_CONFIG_FILE'];
  if (fromEnv && fromEnv !== '') return fromEnv;
  return path.join(env['HOME'] ?? os.homedir(), '.aws', 'config');
}

/** Where the AWS CLI keeps plaintext keys; credd only ever reads which profiles have one. */
export function awsCredentialsFile(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['AWS_SHARED_CREDENTIALS_FILE'];
  if (fromEnv && fromEnv !== '') return fromEnv;
  return path.join(env['HOME'] ?? os.homedir(), '.aws', 'credentials');
}
