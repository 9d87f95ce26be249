import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CreddError } from '../../domain/errors.js';
import { loadDaemonInfo } from '../../daemon/daemon-info.js';
import { prettifier } from '../pretty-log.js';
import { SYSTEMD_UNIT } from '../service/service-plan.js';
import { processAlive } from '../../platform/process-alive.js';

export interface LogsInput {
  follow: boolean;
  lines: number;
  /** Read this file instead of looking for the service's log. */
  file?: string;
}

/** The daemon's own log file, where it writes one (launchd service, or `credd daemon --log-file`). */
export function logFileCandidates(ctx: CliContext): string[] {
  const home = ctx.env['HOME'] ?? os.homedir();
  return [path.join(home, 'Library', 'Logs', 'credd', 'credd.log'), path.join(ctx.paths.logDir, 'credd.log')];
}

/**
 * Shows the running daemon's recent log readably: the file it names in daemon.json, else the
 * service's log file, else the systemd journal; otherwise one sentence on where logs go.
 */
export async function runLogs(input: LogsInput, ctx: CliContext): Promise<void> {
  // No colour: what is printed passes the CLI's escaping boundary, which lets no escape sequence through.
  const format = await prettifier(false);
  const info = await loadDaemonInfo(ctx.paths.daemonInfo);
  const running = info !== undefined && processAlive(info.pid);
  const candidates = input.file !== undefined ? [input.file] : [...(running && info.logFile !== undefined ? [info.logFile] : []), ...logFileCandidates(ctx)];
  for (const file of candidates) {
    const text = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const lines = text.split('\n').filter((l) => l !== '');
    for (const line of lines.slice(-input.lines)) ctx.out.write(format(line));
    if (input.follow) await follow(file, Buffer.byteLength(text), format, ctx);
    return;
  }
  if (process.platform === 'linux' && input.file === undefined && (await journal(input, format, ctx))) return;
  const where = running
    ? `the daemon (pid ${info.pid}) keeps no log file: it logs to the terminal or journal it was started from`
    : 'no credd daemon is running and none left a log';
  throw new CreddError('NoLog', `No credd log found (looked at ${candidates.join(', ')}${process.platform === 'linux' ? ' and the systemd journal' : ''}): ${where}; credd daemon --detach and the service log where credd logs reads.`);
}

async function follow(file: string, from: number, format: (l: string) => string, ctx: CliContext): Promise<never> {
  let offset = from;
  let partial = '';
  let inode = await fs.stat(file).then((s) => s.ino, () => 0);
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    const st = await fs.stat(file).catch(() => undefined);
    const size = st?.size ?? 0;
    // Rotated (a new file under the same name) or truncated: start from its beginning.
    if ((st && st.ino !== inode) || size < offset) {
      offset = 0;
      inode = st?.ino ?? 0;
    }
    if (size === offset) continue;
    const handle = await fs.open(file, 'r');
    const buf = Buffer.alloc(size - offset);
    await handle.read(buf, 0, buf.length, offset);
    await handle.close();
    offset = size;
    const lines = (partial + buf.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line !== '') ctx.out.write(format(line));
  }
}

/** The user unit's journal; false when journalctl is missing or has no line of credd. */
function journal(input: LogsInput, format: (l: string) => string, ctx: CliContext): Promise<boolean> {
  return new Promise((resolve) => {
    const args = ['--user', '-u', SYSTEMD_UNIT, '-o', 'cat', '--no-pager', '-n', String(input.lines), ...(input.follow ? ['-f'] : [])];
    const child = spawn('journalctl', args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let partial = '';
    let printed = false;
    child.stdout.on('data', (d: Buffer) => {
      const lines = (partial + d.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      // journalctl says "-- No entries --" when there are none: that is not a log line.
      for (const line of lines) {
        if (line === '' || line.startsWith('-- ')) continue;
        ctx.out.write(format(line));
        printed = true;
      }
    });
    child.on('error', () => resolve(false));
    child.on('close', () => resolve(printed));
  });
}

export function registerLogs(program: Command, ctx: () => CliContext): void {
  program
    .command('logs')
    .description("show the running daemon's recent log readably (its log file, the service's, or the systemd journal)")
    .option('-f, --follow', 'keep printing new lines', false)
    .option('-n, --lines <n>', 'how many lines', '50')
    .option('--file <path>', 'read this log file')
    .action((opts: { follow: boolean; lines: string; file?: string }) =>
      runLogs({ follow: opts.follow, lines: Math.max(1, Number(opts.lines) || 50), ...(opts.file !== undefined && { file: opts.file }) }, ctx()),
    );
}
