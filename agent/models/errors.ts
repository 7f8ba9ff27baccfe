/**
 * What can go wrong with a model call, as one error with a `kind`: the failover
 * model (`failover.ts`) decides from it whether to retry, try the next provider or
 * give up, and the router shows `userMessage` (never the provider's own text, which
 * may quote secrets or URLs).
 */

export type ProviderErrorKind =
  /** 429: retried, then the next provider. */
  | 'rate-limit'
  /** 5xx, 408/409, or an error event inside the stream: retried, then the next provider. */
  | 'server'
  /** The request timed out before an answer began. */
  | 'timeout'
  /** The provider could not be reached (refused, reset, DNS). */
  | 'connection'
  /** Nothing arrived for `idleTimeoutMs` (headers or the next stream chunk). */
  | 'stall'
  /** The stream ended without a finish reason, or with `length`. */
  | 'truncated'
  /** A stream event was not valid JSON. */
  | 'malformed'
  /** 4xx other than 408/409/429: the request itself is wrong; never retried. */
  | 'refused'
  /** The turn was stopped (`/stop`, shutdown). */
  | 'aborted'
  /** `deadlineMs` passed. */
  | 'deadline'
  | 'unknown';

const RETRYABLE = new Set<ProviderErrorKind>([
  'rate-limit',
  'server',
  'timeout',
  'connection',
  'stall',
  'truncated',
  'malformed',
]);

export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  constructor(
    message: string,
    readonly userMessage: string,
    readonly status?: number,
    readonly kind: ProviderErrorKind = 'unknown',
    /** Text of the answer already shown to the user before it failed. */
    readonly partial?: string,
    /** Seconds the provider asked to wait (retry-after). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  /** True when another attempt (same or next provider) may succeed. */
  get retryable(): boolean {
    return RETRYABLE.has(this.kind);
  }

  /** The same error, now knowing what was shown before it happened. */
  withPartial(partial: string): ProviderError {
    return new ProviderError(
      this.message,
      this.userMessage,
      this.status,
      this.kind,
      partial,
      this.retryAfterMs,
    );
  }
}
