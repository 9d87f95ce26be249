import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { prettifier } from '../pretty-log.js';
import { SYSTEMD_UNIT } from '../service/service-plan.js';

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

/** Shows the daemon's recent log readably, wherever the platform keeps it. */
export async function runLogs(input: LogsInput, ctx: CliContext): Promise<void> {
  const format = await prettifier((ctx.out as { isTTY?: boolean }).isTTY === true);
  const candidates = input.file !== undefined ? [input.file] : logFileCandidates(ctx);
  for (const file of candidates) {
    const text = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const lines = text.split('\n').filter((l) => l !== '');
    for (const line of lines.slice(-input.lines)) ctx.out.write(format(line));
    if (input.follow) await follow(file, Buffer.byteLength(text), format, ctx);
    return;
  }
  if (process.platform === 'linux') return journal(input, format, ctx);
  ctx.out.write(`No credd log found (looked at ${candidates.join(', ')}). A daemon started by hand logs to its terminal.\n`);
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

function journal(input: LogsInput, format: (l: string) => string, ctx: CliContext): Promise<void> {
  return new Promise((resolve) => {
    const args = ['--user', '-u', SYSTEMD_UNIT, '-o', 'cat', '--no-pager', '-n', String(input.lines), ...(input.follow ? ['-f'] : [])];
    const child = spawn('journalctl', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let partial = '';
    child.stdout.on('data', (d: Buffer) => {
      const lines = (partial + d.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line !== '') ctx.out.write(format(line));
    });
    child.on('error', () => {
      ctx.out.write('No credd log file, and journalctl is not available; a daemon started by hand logs to its terminal.\n');
      resolve();
    });
    child.on('close', () => resolve());
  });
}

export function registerLogs(program: Command, ctx: () => CliContext): void {
  program
    .command('logs')
    .description("show the daemon's recent log readably (the service's log file, or the systemd journal)")
    .option('-f, --follow', 'keep printing new lines', false)
    .option('-n, --lines <n>', 'how many lines', '50')
    .option('--file <path>', 'read this log file')
    .action((opts: { follow: boolean; lines: string; file?: string }) =>
      runLogs({ follow: opts.follow, lines: Math.max(1, Number(opts.lines) || 50), ...(opts.file !== undefined && { file: opts.file }) }, ctx()),
    );
}
