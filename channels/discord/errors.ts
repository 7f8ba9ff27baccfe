/**
 * The one place where Discord's errors enter Parley's error tree (core/errors.ts).
 *
 * The REST client is built with `rejectOnRateLimit` for `/channels/…` routes and
 * `retries: 0`, so discord.js never sleeps or retries on its own where the sender
 * pipeline calls it: a 429 (or a bucket or global budget it knows is exhausted)
 * surfaces here as a `RateLimitError`, becomes a `PlatformError` with status 429 and
 * `retryAfterSeconds`, and the sender's retry step waits exactly that long. API
 * refusals keep their status and Discord's JSON error code (e.g. 50035 for a
 * too-long message); a request that got no answer (refused, reset, timed out or
 * aborted connection, as undici reports it) is a `NetworkError`. Anything else is
 * left to the shared policy (`toErrorTree`): a HandlerError, never retried.
 */
import { DiscordAPIError, HTTPError, RateLimitError } from 'discord.js';
import {
  isConnectionFailure,
  NetworkError,
  PlatformError,
  type TreeError,
  toErrorTree,
} from '../../core/errors.js';

export const PLATFORM = 'discord';

/** Maps a discord.js REST error into the tree; `undefined` when it is not one. */
export function toParleyError(error: unknown): TreeError | undefined {
  if (error instanceof RateLimitError) {
    return new PlatformError({
      platform: PLATFORM,
      status: 429,
      description: `rate limited on ${error.method.toUpperCase()} ${error.route}`,
      retryAfterSeconds: Math.max(0, error.retryAfter) / 1000,
      parameters: { global: error.global, scope: error.scope, route: error.route },
    });
  }
  if (error instanceof DiscordAPIError) {
    return new PlatformError({
      platform: PLATFORM,
      status: error.status,
      code: error.code,
      description: error.message,
    });
  }
  if (error instanceof HTTPError) {
    return new PlatformError({
      platform: PLATFORM,
      status: error.status,
      description: error.message,
    });
  }
  if (isConnectionFailure(error)) return new NetworkError(PLATFORM, error);
  return undefined;
}

/** Runs one REST call, mapping its failure. */
export async function discordCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toErrorTree(error, toParleyError, 'discord call');
  }
}
