import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

/** Paths pino redacts in every log line: secrets never reach the log. */
export const REDACT_PATHS = [
  'password',
  'token',
  'pass',
  '*.password',
  '*.token',
  '*.pass',
  'nats_password',
  'nats_token',
  'database_url',
  'http_read_token',
  'http_write_token',
  '*.nats_password',
  '*.nats_token',
  '*.database_url',
  '*.http_read_token',
  '*.http_write_token',
  'config.database_url',
  'headers.authorization',
  '*.headers.authorization',
];

/** Options of the root logger. */
export interface RootLoggerOptions {
  readonly level: string;
  readonly name: string;
  /** Where lines go; stdout by default. Tests pass a stream to capture them. */
  readonly destination?: DestinationStream;
}

/** Builds the root structured logger (JSON lines, ISO times, secrets redacted). */
export function createLogger(opts: RootLoggerOptions): Logger {
  const options: LoggerOptions = {
    name: opts.name,
    level: opts.level,
    redact: { paths: REDACT_PATHS, censor: '***' },
    timestamp: pino.stdTimeFunctions.isoTime,
    base: { pid: process.pid },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/** A child logger for one component: every line carries `component`. */
export function componentLogger(root: Logger, component: string): Logger {
  return root.child({ component });
}
