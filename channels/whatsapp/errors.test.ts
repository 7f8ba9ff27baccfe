import { describe, expect, it } from 'vitest';
import {
  HandlerError,
  isRetryable,
  NetworkError,
  PlatformError,
  toErrorTree,
} from '../../core/errors.js';
import { boom } from '../../test/doubles/whatsapp.js';
import { mapWhatsAppError, statusCodeOf } from './errors.js';

const map = (error: unknown) =>
  toErrorTree(
    error,
    (e) => mapWhatsAppError(e, { rateOverlimitRetrySeconds: 30 }),
    'whatsapp send',
  );

describe('Baileys errors → the error tree', () => {
  it('maps rate-overlimit to a retryable 429 with the configured wait', () => {
    const error = map(boom('rate-overlimit', 500, { data: 429 }));
    expect(error).toBeInstanceOf(PlatformError);
    expect(error).toMatchObject({ status: 429, code: 'rate-overlimit', retryAfterSeconds: 30 });
    expect(isRetryable(error)).toBe(true);
    const hinted = map(boom('rate-overlimit', 429, { headers: { 'retry-after': '7' } }));
    expect((hinted as PlatformError).retryAfterSeconds).toBe(7);
  });

  it('treats a closed connection as a network failure and server refusals as final', () => {
    expect(map(boom('Connection Closed', 428))).toBeInstanceOf(NetworkError);
    const refused = map(boom('not-authorized', 500, { data: 403 }));
    expect(refused).toMatchObject({ status: 403 });
    expect(isRetryable(refused)).toBe(false);
    expect(map(new Error('boom in our code'))).toBeInstanceOf(HandlerError);
    expect(statusCodeOf(boom('x', 515))).toBe(515);
    expect(statusCodeOf(new Error('plain'))).toBeUndefined();
  });
});
