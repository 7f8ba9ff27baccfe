/**
 * Reconnect delays for the WhatsApp connection: exponential growth with jitter,
 * capped, and back to the first delay once a connection opened.
 *
 * @example
 * ```ts
 * const backoff = new Backoff({ initialDelayMs: 1000, maxDelayMs: 60_000, factor: 2, jitter: 0.2 })
 * backoff.next() // ≈ 1000 (800–1200)
 * backoff.next() // ≈ 2000
 * backoff.reset() // after 'open'
 * ```
 */

export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
  /** Spread of each delay as a fraction: 0.2 draws from ±20% around the base. */
  jitter: number;
}

export class Backoff {
  private attempt = 0;

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** Failed attempts since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const { initialDelayMs, maxDelayMs, factor, jitter } = this.options;
    const base = Math.min(maxDelayMs, initialDelayMs * factor ** this.attempt);
    this.attempt += 1;
    const spread = base * jitter * (this.random() * 2 - 1);
    return Math.max(0, Math.round(Math.min(maxDelayMs, base + spread)));
  }

  reset(): void {
    this.attempt = 0;
  }
}
