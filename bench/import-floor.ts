// What the daemon's idle RSS is made of (issue 17's "≤ 60 MB idle" row): Node alone, and Node that
// only imports the three libraries the daemon is built on (fastify, pino, the STS client) and runs
// nothing — both with the daemon's V8 flags, measured in the same run as the daemon.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { DAEMON_NODE_FLAGS } from '../src/cli/daemon-node-flags.js';
import { cleanEnv, ROOT } from '../test/shared/run-process.js';
import { memoryOf } from '../test/shared/proc-memory.js';

export interface ImportFloor {
  nodeAloneKb: number;
  librariesKb: number;
}

async function rssOf(code: string): Promise<number> {
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, '--input-type=module', '-e', `${code}; console.log('ready'); setInterval(() => {}, 1e6);`], { cwd: ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', () => resolve());
      child.once('exit', (c) => reject(new Error(`node exited with ${c} before it was ready`)));
    });
    // Let start-up garbage go the way it goes in the daemon before its idle row is read.
    await new Promise((r) => setTimeout(r, 3_000));
    return memoryOf(child.pid!).rssKb;
  } finally {
    child.kill();
  }
}

export async function importFloor(): Promise<ImportFloor> {
  return {
    nodeAloneKb: await rssOf('0'),
    librariesKb: await rssOf("await import('fastify'); await import('pino'); await import('@aws-sdk/client-sts')"),
  };
}
