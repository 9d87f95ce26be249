import path from 'node:path';
import type { Command } from 'commander';
import { CreddError, errorMessage } from '../../domain/errors.js';
import type { LineSink } from '../../platform/safe-sink.js';
import { parsePort, portFromEnv } from '../../platform/settings.js';
import type { CliContext } from '../cli-context.js';
import { portWarning, recordPortWarning } from '../port-warning.js';

export interface DaemonInput {
  port?: string;
  imdsV1?: boolean;
  imds?: boolean;
  logFile?: string;
  detach?: boolean;
}

/** The log file a daemon keeps when none is named: beside its other state. */
export function defaultLogFile(ctx: CliContext): string {
  return path.join(ctx.paths.logDir, 'credd.log');
}

/**
 * Runs the daemon in the foreground until SIGINT/SIGTERM, or (`--detach`) in the background.
 * Heavy modules load only here.
 */
export async function runDaemonCommand(input: DaemonInput, ctx: CliContext): Promise<void> {
  let port: number | undefined;
  try {
    port = parsePort(input.port, '--port');
  } catch (err) {
    throw new CreddError('Usage', errorMessage(err));
  }
  if (input.detach !== true) {
    const { reexecWithDaemonFlags } = await import('../daemon-node-flags.js');
    reexecWithDaemonFlags(process.env);
  }
  if (input.detach === true) {
    const { detachDaemon } = await import('../daemon-detach.js');
    const args = [...(input.port !== undefined ? ['--port', input.port] : []), ...(input.imdsV1 === true ? ['--imds-v1'] : []), ...(input.imds === true ? ['--imds'] : input.imds === false ? ['--no-imds'] : [])];
    return detachDaemon(args, path.resolve(input.logFile ?? defaultLogFile(ctx)), ctx);
  }
  const [{ runDaemon }, { RotatingFile }, { createLogger }] = await Promise.all([
    import('../../daemon/run-daemon.js'),
    import('../../platform/rotating-file.js'),
    import('../../platform/logger.js'),
  ]);
  // A closed terminal must never be fatal: writes to it fail with EIO, and are dropped.
  process.stderr.on('error', () => undefined);
  process.stdout.on('error', () => undefined);
  let file: InstanceType<typeof RotatingFile> | undefined;
  let logger;
  let logFile: string | undefined;
  if (input.logFile !== undefined) {
    logFile = path.resolve(input.logFile);
    try {
      file = new RotatingFile(logFile);
    } catch (err) {
      throw new CreddError('LogFile', `Cannot write the log file ${logFile}: ${errorMessage(err)}`);
    }
    logger = createLogger({ destination: file });
  } else {
    // Under systemd stderr is the journal already; otherwise keep a copy where `credd logs` finds it.
    if (ctx.env['JOURNAL_STREAM'] === undefined) {
      logFile = defaultLogFile(ctx);
      try {
        file = new RotatingFile(logFile);
      } catch (err) {
        ctx.err.write(`credd: not keeping a log file (${errorMessage(err)}); logging to stderr only\n`);
        logFile = undefined;
      }
    }
    const pretty = process.stderr.isTTY === true ? await (await import('../pretty-log.js')).prettifier(true) : undefined;
    logger = createLogger({ ...(pretty !== undefined && { pretty }), ...(file !== undefined && { copyTo: file as LineSink }) });
  }
  // Registered before anything can be written: a closed terminal sends SIGHUP, which must not kill us.
  const onHangup = (): void => {
    try {
      file?.reopen();
    } catch {
      // keep logging to the old descriptor
    }
  };
  process.on('SIGHUP', onHangup);
  const daemon = await runDaemon({
    env: ctx.env,
    logger,
    ...(port !== undefined && { port }),
    ...(input.imdsV1 === true && { imdsV1: true }),
    ...(input.imds !== undefined && { imds: input.imds }),
    ...(logFile !== undefined && { logFile }),
  }).catch(async (err: unknown) => {
    // The prompt hook of every open shell says who holds the port, not only "not running".
    if (err instanceof CreddError && err.code === 'PortInUse') await portWarning(ctx, true, port ?? portFromEnv(ctx.env));
    throw err;
  });
  await recordPortWarning(ctx.paths.portWarning, undefined);
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
    .description('run the credential daemon (127.0.0.1 only): in the foreground, or with --detach in the background')
    .option('-p, --port <port>', 'TCP port on 127.0.0.1 (default: CREDD_PORT or 9911)')
    .option('-d, --detach', 'run in the background with its log in a file; returns once the daemon answers', false)
    .option('--log-file <path>', 'log JSON lines only to this file (rotated at 5 MB, one old file kept); default: stderr plus $CREDD_HOME/logs/credd.log')
    .option('--imds-v1', 'also answer IMDS requests without a session token (IMDSv1), for old clients (or CREDD_IMDS_V1=true)')
    .option('--imds', 'serve the IMDS endpoint even where credd cannot check which local user connects (macOS; or CREDD_IMDS=on)')
    .option('--no-imds', 'turn the IMDS endpoint off (or CREDD_IMDS=off)')
    .action((opts: DaemonInput) => runDaemonCommand(opts, ctx()));
}
