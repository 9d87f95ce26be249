import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serviceNode } from './service-node.js';
import { safeText, sd, xml } from './service-text.js';

/** What `credd service install` would write and run, computed without side effects. */
export interface ServicePlan {
  platform: 'launchd' | 'systemd';
  file: string;
  content: string;
  install: InstallStep[];
  uninstall: string[][];
  /** Shows whether the job is loaded and its pid. */
  status: string[];
  logFile?: string;
  /** Printed at install time: e.g. the node path will not survive switching node versions. */
  note?: string;
}

export interface PlanInput {
  platform: 'launchd' | 'systemd';
  home: string;
  uid: number;
  node: string;
  credd: string;
  env: NodeJS.ProcessEnv;
  note?: string;
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
  // Corporate networks: TLS interception CAs and proxies, in both spellings tools use.
  'NODE_EXTRA_CA_CERTS',
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'NO_PROXY',
  'no_proxy',
  'PATH',
];
/** Paths the service must see absolutely: its working directory is not the user's. */
const PATHS = new Set(['CREDD_HOME', 'XDG_STATE_HOME', 'AWS_CONFIG_FILE', 'NODE_EXTRA_CA_CERTS']);

function template(name: string): string {
  return readFileSync(new URL(`../../../launchd/${name}`, import.meta.url), 'utf8');
}

function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => values[key] ?? '');
}

function carried(env: NodeJS.ProcessEnv): Array<[string, string]> {
  // Never a secret: the file-store passphrase must not be written into a unit file.
  return CARRIED.flatMap((k) => {
    const v = env[k];
    if (v === undefined || v === '') return [];
    return [[k, safeText(k, PATHS.has(k) ? path.resolve(v) : v)] as [string, string]];
  });
}

/**
 * One command of an install. `best-effort` may fail; `until-gone` is polled until it fails (the
 * job is no longer loaded); `retry-busy` is retried while launchd reports a transient error.
 */
export interface InstallStep {
  argv: string[];
  mode: 'required' | 'best-effort' | 'until-gone' | 'retry-busy';
}

const MODE_NOTE: Record<InstallStep['mode'], string> = {
  required: '',
  'best-effort': '   # may fail: nothing loaded yet',
  'until-gone': '   # repeated until it fails: bootout has finished',
  'retry-busy': '   # retried on 5 (Input/output error) and 37 (Operation already in progress)',
};

export function describeStep(step: InstallStep): string {
  return `${step.argv.join(' ')}${MODE_NOTE[step.mode]}`;
}

export function servicePlan(input: PlanInput): ServicePlan {
  const node = safeText('the node path', input.node);
  const credd = safeText('the credd path', input.credd);
  const note = input.note === undefined ? {} : { note: input.note };
  if (input.platform === 'launchd') {
    const file = safeText('the home directory', path.join(input.home, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`));
    const logDir = path.join(input.home, 'Library', 'Logs', 'credd');
    const logFile = path.join(logDir, 'credd.log');
    const environment = carried(input.env)
      .map(([k, v]) => `    <key>${xml(k)}</key>\n    <string>${xml(v)}</string>`)
      .join('\n');
    const content = fill(template('credd.plist.template'), {
      label: LAUNCHD_LABEL,
      node: xml(node),
      credd: xml(credd),
      logFile: xml(logFile),
      stdoutFile: xml(path.join(logDir, 'credd.stderr.log')),
      environment,
    });
    // launchctl(1): bootstrap/bootout/enable/print take a domain (gui/<uid>) or a service target.
    const domain = `gui/${input.uid}`;
    const target = `${domain}/${LAUNCHD_LABEL}`;
    return {
      platform: 'launchd',
      file,
      content,
      logFile,
      ...note,
      install: [
        { argv: ['launchctl', 'bootout', target], mode: 'best-effort' },
        { argv: ['launchctl', 'print', target], mode: 'until-gone' },
        { argv: ['launchctl', 'enable', target], mode: 'required' },
        { argv: ['launchctl', 'bootstrap', domain, file], mode: 'retry-busy' },
      ],
      uninstall: [['launchctl', 'bootout', target]],
      status: ['launchctl', 'print', target],
    };
  }
  const configHome = input.env['XDG_CONFIG_HOME'] || path.join(input.home, '.config');
  const file = safeText('the config directory', path.join(configHome, 'systemd', 'user', SYSTEMD_UNIT));
  const environment = carried(input.env)
    .map(([k, v]) => `Environment=${sd(`${k}=${v}`, false)}`)
    .join('\n');
  const content = fill(template('credd.service.template'), {
    execStart: [sd(node, false), sd(credd, true), sd('daemon', true)].join(' '),
    environment,
  });
  return {
    platform: 'systemd',
    file,
    content,
    ...note,
    install: [
      { argv: ['systemctl', '--user', 'daemon-reload'], mode: 'required' },
      { argv: ['systemctl', '--user', 'enable', SYSTEMD_UNIT], mode: 'required' },
      // restart starts a stopped unit and replaces a running one with the new file's daemon.
      { argv: ['systemctl', '--user', 'restart', SYSTEMD_UNIT], mode: 'required' },
    ],
    uninstall: [['systemctl', '--user', 'disable', '--now', SYSTEMD_UNIT]],
    status: ['systemctl', '--user', 'show', SYSTEMD_UNIT, '-p', 'MainPID', '-p', 'LoadState', '-p', 'ActiveState'],
  };
}

export function defaultPlanInput(env: NodeJS.ProcessEnv, credd: string): PlanInput {
  const node = serviceNode(process.execPath);
  return {
    platform: process.platform === 'darwin' ? 'launchd' : 'systemd',
    home: env['HOME'] ?? os.homedir(),
    uid: process.getuid?.() ?? 501,
    node: node.path,
    ...(node.note !== undefined && { note: node.note }),
    credd,
    env,
  };
}
