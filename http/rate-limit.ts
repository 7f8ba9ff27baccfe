/**
 * Per-IP request rate limits for the API and webhook routes: a fixed window per
 * client address. A client over its limit gets `429 Too Many Requests` with a
 * `Retry-After` (seconds until its window ends). Memory is bounded: at most
 * `maxClients` windows are kept, expired ones are swept first.
 *
 * @example
 * ```ts
 * const limiter = new RateLimiter({ limit: 600, windowMs: 60_000 })
 * const verdict = limiter.take('127.0.0.1')
 * if (!verdict.ok) return new Response('slow down', { status: 429, headers: { 'retry-after': String(verdict.retryAfterSeconds) } })
 * ```
 */

export interface RateLimit {
  /** Requests allowed per window and client. */
  limit: number;
  windowMs: number;
}

export type RateVerdict = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Window {
  startedAt: number;
  count: number;
}

export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly rate: RateLimit,
    private readonly now: () => number = Date.now,
    private readonly maxClients = 10_000,
  ) {}

  /** Counts one request of `client`; says whether it may proceed. */
  take(client: string): RateVerdict {
    const now = this.now();
    let window = this.windows.get(client);
    if (!window || now - window.startedAt >= this.rate.windowMs) {
      this.makeRoom(now);
      window = { startedAt: now, count: 0 };
      this.windows.set(client, window);
    }
    window.count += 1;
    if (window.count <= this.rate.limit) return { ok: true };
    const left = window.startedAt + this.rate.windowMs - now;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(left / 1000)) };
  }

  private makeRoom(now: number): void {
    if (this.windows.size < this.maxClients) return;
    for (const [client, window] of this.windows)
      if (now - window.startedAt >= this.rate.windowMs) this.windows.delete(client);
    // Still full: forget the oldest windows (a Map iterates in insertion order).
    for (const client of this.windows.keys()) {
      if (this.windows.size < this.maxClients) break;
      this.windows.delete(client);
    }
  }
}
