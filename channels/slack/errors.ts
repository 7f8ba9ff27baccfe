/**
 * The one place where Slack Web API failures become Parley's error tree
 * (`core/errors.ts`), so the sender's retry step can decide by class:
 *
 * - 429 (`WebAPIRateLimitedError`, the client is built with `rejectRateLimitedCalls`)
 *   → PlatformError 429 with `retryAfterSeconds` from `Retry-After`;
 * - HTTP errors → PlatformError with the HTTP status (5xx retryable);
 * - `ok: false` answers → PlatformError 400 with Slack's error code, or 503 for
 *   Slack's own transient failures (`internal_error`, `service_unavailable`, …);
 * - no answer at all → NetworkError;
 * - anything else is left to the shared policy (`toErrorTree`): a HandlerError.
 */
import {
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
} from '@slack/web-api';
import { NetworkError, PlatformError, type TreeError, toErrorTree } from '../../core/errors.js';

const PLATFORM = 'slack';

/** Slack error codes that mean "try again later" rather than "your request is wrong". */
const TRANSIENT = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'ratelimited',
]);

/** Maps a WebClient error into the tree; `undefined` when it is not one. */
export function toParleyError(error: unknown): TreeError | undefined {
  if (error instanceof WebAPIRateLimitedError)
    return new PlatformError({
      platform: PLATFORM,
      status: 429,
      code: 'ratelimited',
      description: `rate limited, retry after ${error.retryAfter}s`,
      retryAfterSeconds: error.retryAfter,
    });
  if (error instanceof WebAPIHTTPError)
    return new PlatformError({
      platform: PLATFORM,
      status: error.statusCode,
      description: error.statusMessage,
    });
  if (error instanceof WebAPIPlatformError) {
    const code = error.data.error;
    return new PlatformError({
      platform: PLATFORM,
      status: TRANSIENT.has(code) ? 503 : 400,
      code,
      description: code,
    });
  }
  if (error instanceof WebAPIRequestError) return new NetworkError(PLATFORM, error.original);
  return undefined;
}

/** Runs one Web API call, mapping its failure. */
export async function slackCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toErrorTree(error, toParleyError, 'slack call');
  }
}
