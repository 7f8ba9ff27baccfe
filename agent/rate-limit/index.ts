/**
 * The per-sender rate limit: at most `messagesPerMinute` messages of one sender in
 * any 60 s (a sliding window over arrival times, so messages that queued behind a
 * slow turn still count when they arrived). The first message over the limit gets
 * one reply saying when to write again; the rest until then get none, so a flood
 * is not answered with a flood. Only admitted messages count.
 *
 * The router asks it right after dedupe (the inbox row is the only thing stored)
 * and before the access policy writes a pairing request, a session or anything else.
 *
 * @example
 * ```ts
 * const limiter = new RateLimiter({ messagesPerMinute: 20, exemptOwners: true })
 * const verdict = limiter.check('telegram:42', message.receivedAt)
 * if (verdict.kind === 'limited') return verdict.notify ? { text: verdict.text } : null
 * ```
 */
import type { RateLimitConfig } from '../usage/config.js';

const WINDOW_MS = 60_000;
/** Senders tracked before quiet ones are forgotten. */
const SWEEP_AT = 10_000;

export type RateVerdict =
  | { kind: 'ok' }
  | { kind: 'limited'; retryInMs: number; notify: boolean; text: string };

interface Window {
  times: number[];
  /** Until when the sender has been told to wait (one reply per wait). */
  toldUntil: number;
}

export class RateLimiter {
  private readonly senders = new Map<string, Window>();

  constructor(private readonly config: Pick<RateLimitConfig, 'messagesPerMinute'>) {}

  /** Counts a message of `sender` that arrived at `at` (ms), unless it is over the limit. */
  check(sender: string, at: number): RateVerdict {
    const limit = this.config.messagesPerMinute;
    if (limit <= 0) return { kind: 'ok' };
    if (this.senders.size >= SWEEP_AT) this.sweep(at);
    const window = this.senders.get(sender) ?? { times: [], toldUntil: 0 };
    this.senders.set(sender, window);
    window.times = window.times.filter((time) => time > at - WINDOW_MS);
    if (window.times.length < limit) {
      window.times.push(at);
      return { kind: 'ok' };
    }
    const freeAt = Math.min(...window.times) + WINDOW_MS;
    const retryInMs = Math.max(1000, freeAt - at);
    const notify = at >= window.toldUntil;
    if (notify) window.toldUntil = freeAt;
    return { kind: 'limited', retryInMs, notify, text: limitedText(limit, retryInMs) };
  }

  /** Forgets senders without a message in the window. */
  private sweep(now: number): void {
    for (const [sender, window] of this.senders)
      if (window.times.every((time) => time <= now - WINDOW_MS)) this.senders.delete(sender);
  }
}

/** The reply to the first message over the limit. */
export function limitedText(limit: number, retryInMs: number): string {
  const seconds = Math.ceil(retryInMs / 1000);
  return (
    `You are sending messages faster than I can take them (limit: ${limit} per minute). ` +
    `Please wait ${seconds} s and write again; messages sent until then are not answered. ` +
    'The owner sets the limit with `rateLimit.messagesPerMinute` in parley.yaml.'
  );
}
