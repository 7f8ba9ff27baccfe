/**
 * The retry step of the sender pipeline: honours a platform's retry-after exactly,
 * backs off exponentially with full jitter on 5xx and network errors, and never
 * retries any other 4xx (a 401/403 retried in a loop gets bots banned) nor a
 * HandlerError (our own bug).
 *
 *   format → chunk → plain fallback → throttle → [retry] → mapErrors → adapter.send
 *
 * It decides by the error tree only, so it sits above mapErrors: what it sees is
 * already a PlatformError, NetworkError or HandlerError.
 */
import { isRetryable, PlatformError } from '../../core/errors.js';
import type { Wrap } from './pipeline.js';

export interface RetryOptions {
  /** Attempts in total, the first one included. */
  maxAttempts: number;
  /** First backoff in ms (doubled each attempt, randomised by full jitter). */
  baseDelayMs: number;
  /** Upper bound for one wait, retry-after included. */
  maxDelayMs: number;
  /** Called before each wait (metrics, logs). */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export const defaultRetry: RetryOptions = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 60_000 };

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Delay before attempt `attempt + 1`, or undefined when `error` must not be retried. */
export function retryDelay(
  error: unknown,
  attempt: number,
  options: RetryOptions,
): number | undefined {
  if (!isRetryable(error) || attempt >= options.maxAttempts) return undefined;
  if (error instanceof PlatformError && error.retryAfterSeconds !== undefined) {
    return Math.min(error.retryAfterSeconds * 1000, options.maxDelayMs);
  }
  const ceiling = Math.min(options.baseDelayMs * 2 ** (attempt - 1), options.maxDelayMs);
  return Math.round((options.random ?? Math.random)() * ceiling);
}

/** Runs `call` until it succeeds, fails for good, or runs out of attempts. */
export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions): Promise<T> {
  const sleep = options.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const delay = retryDelay(error, attempt, options);
      if (delay === undefined) throw error;
      options.onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}

/** The retry step as a wrap: every call is retried by {@link withRetry}. */
export function retry(options: RetryOptions): Wrap {
  return (next) => (target, message) => withRetry(() => next(target, message), options);
}
