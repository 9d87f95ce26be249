import { pino, type Logger } from 'pino';
import { FdSink } from './fd-sink.js';
import { SafeSinks, type LineSink } from './safe-sink.js';

export type { Logger };

/**
 * Paths pino blanks out wherever they appear in a log line. Secrets must never reach a
 * log even if a careless `log.info({ creds })` slips in, so we list the shapes we use.
 */
const REDACT = [
  'secretAccessKey',
  'sessionToken',
  'token',
  'tokenCode',
  '*.secretAccessKey',
  '*.sessionToken',
  '*.token',
  '*.tokenCode',
  '*.SecretAccessKey',
  '*.SessionToken',
  '*.Token',
  'req.headers.authorization',
  'req.headers["x-aws-ec2-metadata-token"]',
  'headers.authorization',
  'headers["x-aws-ec2-metadata-token"]',
];

export interface LoggerOptions {
  level?: string;
  /**
   * Turns a JSON line into what a person reads on a terminal (pino-pretty's prettyFactory);
   * without it stderr gets JSON lines.
   */
  pretty?: (line: string) => string;
  /** Write only here (a log file), not to stderr. */
  destination?: LineSink;
  /** Also write JSON lines here, next to stderr. */
  copyTo?: LineSink;
}

/**
 * Every sink is written synchronously in this thread and wrapped so a failure is dropped:
 * pino's transport worker (for pretty output) died with its terminal and the next log call
 * threw inside a credential request.
 */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? process.env['CREDD_LOG_LEVEL'] ?? 'info';
  const base = { level, redact: { paths: REDACT, censor: '[redacted]' }, base: { pid: process.pid } };
  const sinks: LineSink[] = opts.destination ? [opts.destination] : [new FdSink(2, opts.pretty ? { format: opts.pretty } : {}), ...(opts.copyTo ? [opts.copyTo] : [])];
  return pino(base, new SafeSinks(sinks));
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
