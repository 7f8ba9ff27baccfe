import { GrammyError, HttpError } from 'grammy';
import { describe, expect, it } from 'vitest';
import {
  HandlerError,
  isRetryable,
  NetworkError,
  PlatformError,
  toErrorTree,
} from '../../core/errors.js';
import { explainFatal, toParleyError } from './errors.js';

const map = (error: unknown) => toErrorTree(error, toParleyError, 'telegram send');
const refusal = (error_code: number, description: string, parameters = {}) =>
  new GrammyError(
    `Call to 'sendMessage' failed! (${error_code}: ${description})`,
    { ok: false, error_code, description, parameters },
    'sendMessage',
    {},
  );

describe('grammY errors → the error tree', () => {
  it('maps a 429 with its retry_after', () => {
    const error = map(refusal(429, 'Too Many Requests: retry after 7', { retry_after: 7 }));
    expect(error).toBeInstanceOf(PlatformError);
    expect(error).toMatchObject({ status: 429, retryAfterSeconds: 7 });
    expect(isRetryable(error)).toBe(true);
  });

  it('keeps migrate_to_chat_id and marks "can\'t parse entities" as refused markup', () => {
    const migrated = map(
      refusal(400, 'Bad Request: group chat was upgraded', { migrate_to_chat_id: -100 }),
    );
    expect(migrated).toMatchObject({ status: 400, markupRefused: false });
    expect((migrated as PlatformError).parameters.migrate_to_chat_id).toBe(-100);
    const markup = map(refusal(400, "Bad Request: can't parse entities: unexpected end tag"));
    expect(markup).toMatchObject({ status: 400, markupRefused: true });
    expect(isRetryable(markup)).toBe(false);
  });

  it('maps a failed request to a NetworkError and anything else to a HandlerError', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(map(new HttpError('Network request failed', reset))).toBeInstanceOf(NetworkError);
    const bug = map(new TypeError('x is undefined'));
    expect(bug).toBeInstanceOf(HandlerError);
    expect(isRetryable(bug)).toBe(false);
  });

  it('explains a fatal polling error in plain words', () => {
    expect(explainFatal(refusal(409, 'Conflict')).detail).toMatch(/409 Conflict/);
    expect(explainFatal(new Error('boom')).detail).toBe('Telegram polling stopped: boom');
  });
});
