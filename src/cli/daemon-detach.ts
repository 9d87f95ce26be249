import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadDaemonInfo } from '../daemon/daemon-info.js';
import { CreddError } from '../domain/errors.js';
import type { CliContext } from './cli-context.js';
import { DAEMON_NODE_FLAGS, hasDaemonFlags } from './daemon-node-flags.js';
import { ROUTES } from '../protocol/routes.js';

const READY_WITHIN_MS = 20_000;

/**
 * `credd daemon --detach`: runs the daemon in its own session (no terminal to lose) with its
 * log in a file, and returns once that very daemon answers on the control socket.
 */
export async function detachDaemon(args: string[], logFile: string, ctx: CliContext): Promise<void> {
  fs.mkdirSync(path.dirname(logFile), { recursive: true, mode: 0o700 });
  const out = fs.openSync(logFile, 'a', 0o600);
  const startOffset = fs.fstatSync(out).size;
  const script = process.argv[1] ?? '';
  // stderr goes to the log file too: a start-up failure (port in use) is one plain line there.
  const flags = hasDaemonFlags(process.execArgv, ctx.env['NODE_OPTIONS']) ? [] : DAEMON_NODE_FLAGS;
  const child = spawn(process.execPath, [...flags, ...process.execArgv, script, 'daemon', ...args, '--log-file', logFile], {
    detached: true,
    stdio: ['ignore', 'ignore', out],
    env: ctx.env,
  });
  fs.closeSync(out);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  child.unref();
  const deadline = Date.now() + READY_WITHIN_MS;
  while (Date.now() < deadline) {
    if (exited !== undefined) throw new CreddError('DaemonExited', `The daemon exited at once: ${lastError(logFile, startOffset)}`);
    const info = await loadDaemonInfo(ctx.paths.daemonInfo);
    if (info !== undefined && info.pid === child.pid && (await answers(ctx))) {
      ctx.out.write(`credd daemon running in the background (pid ${info.pid}, 127.0.0.1:${info.port}); log: ${logFile}\n`);
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new CreddError('DaemonSlow', `The daemon (pid ${child.pid}) did not answer within ${READY_WITHIN_MS / 1000} s; see ${logFile}.`);
}

async function answers(ctx: CliContext): Promise<boolean> {
  try {
    await ctx.daemon.get(ROUTES.control.status);
    return true;
  } catch {
    return false;
  }
}

/** The daemon's own words for why it stopped: the last plain line (the CLI's error) or JSON message. */
function lastError(logFile: string, from: number): string {
  const text = fs.readFileSync(logFile, 'utf8').slice(from);
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const plain = lines.filter((l) => !l.startsWith('{')).pop();
  if (plain !== undefined) return plain.replace(/^credd: /, '');
  const last = lines.pop();
  if (last === undefined) return `no output (see ${logFile})`;
  try {
    return String((JSON.parse(last) as { msg?: unknown }).msg ?? last);
  } catch {
    return last;
  }
}
