import {
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
} from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import {
  HandlerError,
  isRetryable,
  NetworkError,
  PlatformError,
  toErrorTree,
} from '../../core/errors.js';
import { toParleyError } from './errors.js';

const map = (error: unknown) => toErrorTree(error, toParleyError, 'slack send');

describe('Slack Web API errors → the error tree', () => {
  it('maps a 429 with its Retry-After', () => {
    const error = map(new WebAPIRateLimitedError(12));
    expect(error).toMatchObject({ status: 429, code: 'ratelimited', retryAfterSeconds: 12 });
    expect(isRetryable(error)).toBe(true);
  });

  it('keeps HTTP statuses: 5xx retryable, 4xx final', () => {
    expect(isRetryable(map(new WebAPIHTTPError(503, 'Service Unavailable', {})))).toBe(true);
    const forbidden = map(new WebAPIHTTPError(403, 'Forbidden', {}));
    expect(forbidden).toMatchObject({ status: 403 });
    expect(isRetryable(forbidden)).toBe(false);
  });

  it("makes ok:false a final 400 unless Slack's own failure is transient", () => {
    const notIn = map(new WebAPIPlatformError({ ok: false, error: 'not_in_channel' }));
    expect(notIn).toMatchObject({ status: 400, code: 'not_in_channel' });
    expect(isRetryable(notIn)).toBe(false);
    const internal = map(new WebAPIPlatformError({ ok: false, error: 'internal_error' }));
    expect(internal).toMatchObject({ status: 503 });
  });

  it('maps a failed request to a NetworkError and anything else to a HandlerError', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(map(new WebAPIRequestError(reset))).toBeInstanceOf(NetworkError);
    expect(map(new TypeError('x is undefined'))).toBeInstanceOf(HandlerError);
    expect(map(new PlatformError({ platform: 'slack', status: 404 }))).toMatchObject({
      status: 404,
    });
  });
});
