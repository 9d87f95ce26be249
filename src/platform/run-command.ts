import { spawn } from 'node:child_process';
import { childEnv } from './child-env.js';

/**
 * Runs an mfa_process command line through `/bin/sh -c` (written as a shell line, pipes and
 * all) and returns its stdout. credential_process is different: botocore's ProcessProvider
 * splits that line with shlex.split and starts it without a shell, and credential-process.ts
 * does the same. No stdin; killed after `timeoutMs`. Stderr is dropped (it may hold
 * whatever the tool prints, which we do not want in our logs).
 */
export function runCommand(command: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'ignore'], env: childEnv() });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      if (out.length < 4096) out += d.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(signal ? `it was stopped after ${timeoutMs / 1000} s` : `it exited with status ${code}`));
    });
  });
}
