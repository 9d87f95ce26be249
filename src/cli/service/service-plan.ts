import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** What `credd service install` would write and run, computed without side effects. */
export interface ServicePlan {
  platform: 'launchd' | 'systemd';
  file: string;
  content: string;
  install: string[][];
  uninstall: string[][];
  logFile?: string;
}

export interface PlanInput {
  platform: 'launchd' | 'systemd';
  home: string;
  uid: number;
  node: string;
  credd: string;
  env: NodeJS.ProcessEnv;
}

export const LAUNCHD_LABEL = 'dev.credd.daemon';
export const SYSTEMD_UNIT = 'credd.service';

/** Settings worth carrying into the service's environment, only when the user set them. */
const CARRIED = [
  'CREDD_HOME',
  'XDG_STATE_HOME',
  'CREDD_PORT',
  'CREDD_STORE',
  'CREDD_KEYCHAIN_SERVICE',
  'CREDD_LOG_LEVEL',
  'CREDD_IMDS_V1',
  'CREDD_MFA_SESSION_DURATION',
  'CREDD_ALLOWED_HOSTS',
  'CREDD_FEDERATION_ENDPOINT',
  'AWS_CONFIG_FILE',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_STS',
  'AWS_ENDPOINT_URL_SSO',
  'AWS_ENDPOINT_URL_SSO_OIDC',
  'PATH',
];
/** Paths the service must see absolutely: its working directory is not the user's. */
const PATHS = new Set(['CREDD_HOME', 'XDG_STATE_HOME', 'AWS_CONFIG_FILE']);

function template(name: string): string {
  return readFileSync(new URL(`../../../launchd/${name}`, import.meta.url), 'utf8');
}

function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => values[key] ?? '');
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** systemd quoting. `$` is special only in ExecStart arguments (not the executable, not Environment=). */
function sd(s: string, dollar: boolean): string {
  const quoted = s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%');
  return `"${dollar ? quoted.replace(/\$/g, '$$$$') : quoted}"`;
}

function carried(env: NodeJS.ProcessEnv): Array<[string, string]> {
  // Never a secret: the file-store passphrase must not be written into a unit file.
  return CARRIED.flatMap((k) => {
    const v = env[k];
    if (v === undefined || v === '') return [];
    return [[k, PATHS.has(k) ? path.resolve(v) : v] as [string, string]];
  });
}

export function servicePlan(input: PlanInput): ServicePlan {
  if (input.platform === 'launchd') {
    const file = path.join(input.home, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
    const logDir = path.join(input.home, 'Library', 'Logs', 'credd');
    const logFile = path.join(logDir, 'credd.log');
    const environment = carried(input.env)
      .map(([k, v]) => `    <key>${xml(k)}</key>\n    <string>${xml(v)}</string>`)
      .join('\n');
    const content = fill(template('credd.plist.template'), {
      label: LAUNCHD_LABEL,
      node: xml(input.node),
      credd: xml(input.credd),
      logFile: xml(logFile),
      stdoutFile: xml(path.join(logDir, 'credd.stderr.log')),
      environment,
    });
    const domain = `gui/${input.uid}`;
    return {
      platform: 'launchd',
      file,
      content,
      logFile,
      install: [
        ['launchctl', 'bootout', `${domain}/${LAUNCHD_LABEL}`],
        ['launchctl', 'bootstrap', domain, file],
        ['launchctl', 'kickstart', '-k', `${domain}/${LAUNCHD_LABEL}`],
      ],
      uninstall: [['launchctl', 'bootout', `${domain}/${LAUNCHD_LABEL}`]],
    };
  }
  const file = path.join(input.env['XDG_CONFIG_HOME'] || path.join(input.home, '.config'), 'systemd', 'user', SYSTEMD_UNIT);
  const environment = carried(input.env)
    .map(([k, v]) => `Environment=${sd(`${k}=${v}`, false)}`)
    .join('\n');
  const content = fill(template('credd.service.template'), {
    execStart: [sd(input.node, false), sd(input.credd, true), sd('daemon', true)].join(' '),
    environment,
  });
  return {
    platform: 'systemd',
    file,
    content,
    install: [
      ['systemctl', '--user', 'daemon-reload'],
      ['systemctl', '--user', 'enable', '--now', SYSTEMD_UNIT],
      ['systemctl', '--user', 'restart', SYSTEMD_UNIT],
    ],
    uninstall: [['systemctl', '--user', 'disable', '--now', SYSTEMD_UNIT]],
  };
}

export function defaultPlanInput(env: NodeJS.ProcessEnv, credd: string): PlanInput {
  return {
    platform: process.platform === 'darwin' ? 'launchd' : 'systemd',
    home: env['HOME'] ?? os.homedir(),
    uid: process.getuid?.() ?? 501,
    node: process.execPath,
    credd,
    env,
  };
}
