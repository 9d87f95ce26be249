import { pino, type Logger, type DestinationStream } from 'pino';

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
  /** Human-readable output (pino-pretty); default: when stderr is a TTY. */
  pretty?: boolean;
  destination?: DestinationStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? process.env['CREDD_LOG_LEVEL'] ?? 'info';
  const base = { level, redact: { paths: REDACT, censor: '[redacted]' }, base: { pid: process.pid } };
  if (opts.destination) return pino(base, opts.destination);
  const pretty = opts.pretty ?? process.stderr.isTTY === true;
  if (pretty) {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { destination: 2, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } },
    });
  }
  return pino(base, pino.destination({ fd: 2, sync: false }));
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
