import type { Command } from 'commander';
import { parsePort } from '../../platform/settings.js';
import type { CliContext } from '../cli-context.js';

/** Runs the daemon in the foreground until SIGINT/SIGTERM. Heavy modules load only here. */
export async function runDaemonCommand(input: { port?: string; imdsV1?: boolean; imds?: boolean; logFile?: string }, ctx: CliContext): Promise<void> {
  const port = parsePort(input.port, '--port');
  const { runDaemon } = await import('../../daemon/run-daemon.js');
  let logFile: { reopen(): void } | undefined;
  let logger;
  if (input.logFile !== undefined) {
    const [{ RotatingFile }, { createLogger }] = await Promise.all([import('../../platform/rotating-file.js'), import('../../platform/logger.js')]);
    const file = new RotatingFile(input.logFile);
    logFile = file;
    logger = createLogger({ destination: file });
  }
  const daemon = await runDaemon({
    env: ctx.env,
    ...(port !== undefined && { port }),
    ...(input.imdsV1 === true && { imdsV1: true }),
    ...(input.imds !== undefined && { imds: input.imds }),
    ...(logger !== undefined && { logger }),
  });
  const onHangup = (): void => logFile?.reopen();
  process.on('SIGHUP', onHangup);
  let signals = 0;
  const onSignal = (): void => {
    signals++;
    if (signals > 1) process.exit(130);
    void daemon.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  await daemon.done;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('SIGHUP', onHangup);
}

export function registerDaemon(program: Command, ctx: () => CliContext): void {
  program
    .command('daemon')
    .description('run the credential daemon in the foreground (127.0.0.1 only)')
    .option('-p, --port <port>', 'TCP port on 127.0.0.1 (default: CREDD_PORT or 9911)')
    .option('--log-file <path>', 'log JSON lines to this file (rotated at 5 MB, one old file kept) instead of stderr')
    .option('--imds-v1', 'also answer IMDS requests without a session token (IMDSv1), for old clients (or CREDD_IMDS_V1=true)')
    .option('--imds', 'serve the IMDS endpoint even where credd cannot check which local user connects (macOS; or CREDD_IMDS=on)')
    .option('--no-imds', 'turn the IMDS endpoint off (or CREDD_IMDS=off)')
    .action((opts: { port?: string; imdsV1?: boolean; imds?: boolean; logFile?: string }) => runDaemonCommand(opts, ctx()));
}
