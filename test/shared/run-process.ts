// Running credd and other programs as children, for the tests and the benchmark alike (bench/
// may use test/shared/, never test/support/).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The `credd` command as package.json's "bin" names it (the bundled entry; see src/bin/credd-fast.ts). */
export const CREDD_BIN = path.join(ROOT, 'dist', 'bin', 'credd.cjs');
/** The ES-module CLI that CREDD_BIN hands every other command to, and that service units run. */
export const CREDD_MODULE_BIN = path.join(ROOT, 'dist', 'bin', 'credd.js');

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
    // A guard against a wedged child, not a performance goal: the aws CLI alone can take tens of
    // seconds to start on a loaded 2-core machine.
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
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
