/**
 * The process logger: pino JSON to stderr (stdout stays free for the terminal chat
 * and CLI output). Every configured secret is replaced with `[redacted]` in every
 * logged string, and keys that usually hold credentials are censored by path.
 */
import pino, { type Logger } from 'pino';
import type { Redactor } from '../tools/redact.js';

export type { Logger };

export interface LogOptions {
  level: string;
  redactor: Redactor;
  /** Where to write (default: stderr). */
  destination?: pino.DestinationStream;
}

const CREDENTIAL_PATHS = [
  'token',
  'apiKey',
  'authorization',
  'password',
  'secret',
  '*.token',
  '*.apiKey',
  '*.authorization',
  '*.password',
  '*.secret',
  'headers.authorization',
  'req.headers.authorization',
];

export function createLogger(options: LogOptions): Logger {
  const { redactor } = options;
  return pino(
    {
      level: options.level,
      base: undefined,
      redact: { paths: CREDENTIAL_PATHS, censor: '[redacted]' },
      formatters: { log: (object) => redactor.redactDeep(object) },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((arg) => (typeof arg === 'string' ? redactor.redact(arg) : arg)) as Parameters<
              typeof method
            >,
          );
        },
      },
    },
    options.destination ?? pino.destination(2),
  );
}
