import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The built CLI, exactly as package.json's bin points to it. */
export const CREDD_BIN = path.join(ROOT, 'dist', 'bin', 'credd.js');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Environment for a child that must not see the developer's AWS setup or keys. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const keep = ['PATH', 'HOME', 'LANG', 'TERM', 'DBUS_SESSION_BUS_ADDRESS', 'XDG_RUNTIME_DIR', 'XDG_DATA_HOME', 'GNOME_KEYRING_CONTROL', 'PYENV_ROOT', 'PYENV_VERSION', 'TMPDIR'];
  const env: Record<string, string> = {};
  for (const k of keep) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  return {
    ...env,
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  };
}

export function run(cmd: string, args: string[], opts: { env: Record<string, string>; input?: string; timeoutMs?: number; cwd?: string }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd ?? ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // A child that exits without reading its input must not crash the caller with EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

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
