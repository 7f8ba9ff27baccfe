/**
 * The process logger: pino to stderr (stdout stays free for the terminal chat and
 * CLI output). Every configured secret is replaced with `[redacted]` in every
 * logged string, and keys that usually hold credentials are censored by path.
 *
 * Format: JSON lines, or on a terminal (`logging.format: auto`, or `pretty`)
 * readable lines with time, level and colour, formatted by pino-pretty's
 * `prettyFactory` (loaded only then). While the terminal chat shows its prompt, a
 * log line goes through `screen.around`: the prompt line is cleared, the log
 * written, and the prompt redrawn with what was typed so far.
 */
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import type { Redactor } from '../tools/redact.js';

export type { Logger };

/** Something else drawing on the same terminal (the terminal chat's prompt). */
export interface LogScreen {
  around(write: () => void): void;
}

export interface LogOptions {
  level: string;
  redactor: Redactor;
  /** `auto` = pretty when `destination` is a TTY (default: json). */
  format?: 'auto' | 'pretty' | 'json';
  /** Where to write (default: stderr). */
  destination?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Colour in pretty mode (default: on a TTY unless NO_COLOR is set). */
  colorize?: boolean;
  screen?: LogScreen;
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

/** Whether `format` means readable lines on `stream`. */
export function isPretty(format: LogOptions['format'], stream: { isTTY?: boolean }): boolean {
  return format === 'pretty' || (format === 'auto' && stream.isTTY === true);
}

export function createLogger(options: LogOptions): Logger {
  const { redactor } = options;
  const target = options.destination ?? process.stderr;
  const pretty = isPretty(options.format ?? 'json', target);
  const destination = pretty
    ? prettyStream(
        target,
        options.colorize ?? (target.isTTY === true && !process.env.NO_COLOR),
        options.screen,
      )
    : options.destination
      ? options.destination
      : pino.destination(2);
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
    destination,
  );
}

/** pino's JSON lines rewritten as `[12:00:00] WARN: message` plus indented fields. */
function prettyStream(
  target: NodeJS.WritableStream,
  colorize: boolean,
  screen?: LogScreen,
): Writable {
  const { prettyFactory } = createRequire(import.meta.url)(
    'pino-pretty',
  ) as typeof import('pino-pretty');
  const format = prettyFactory({ colorize, translateTime: 'HH:MM:ss', ignore: 'pid,hostname' });
  return new Writable({
    write(chunk, _encoding, done) {
      const text = String(chunk)
        .split('\n')
        .filter(Boolean)
        .map((line) => format(line))
        .join('');
      if (screen) screen.around(() => target.write(text));
      else target.write(text);
      done();
    },
  });
}
