/**
 * The records of the usage ledger (`UsageStore` in stores.ts): one row per model
 * call with its tokens, latency and cost, attributed to who and where it was for.
 * Days and months are UTC; a row's `day` is derived from its time when stored.
 */

/** What one call was for; every part is optional (an admin "ping" has none). */
export interface UsageAttribution {
  /** The sender as `channel:senderId`. */
  userId?: string;
  conversationKey?: string;
  channel?: string;
  /** The scheduled job whose run made the call. */
  jobId?: string;
}

export interface NewUsage extends UsageAttribution {
  /** ms since epoch; the UTC day of this time is the row's day. */
  at: number;
  model: string;
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens the provider served from its cache (part of `promptTokens`). */
  cachedTokens: number;
  latencyMs: number;
  /** In the configured currency; null when the model has no price (tokens only). */
  cost: number | null;
}

/** Which rows a sum covers: `from` ≤ at < `to`, narrowed by any attribution given. */
export interface UsageQuery extends UsageAttribution {
  from: number;
  to: number;
  model?: string;
}

export interface UsageTotals {
  calls: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  /** prompt + completion. */
  tokens: number;
  /** Sum of the priced calls. */
  cost: number;
  /** Calls of models without a price (counted in tokens only). */
  unpricedCalls: number;
}

/** How a breakdown groups: by attribution, model, or UTC day (`YYYY-MM-DD`) / month (`YYYY-MM`). */
export type UsageDimension =
  | 'user'
  | 'conversation'
  | 'channel'
  | 'job'
  | 'model'
  | 'day'
  | 'month';

export interface UsageRow extends UsageTotals {
  /** The group's value; null for calls without it (e.g. no user). */
  key: string | null;
}

const DAY_MS = 86_400_000;
/** The last day computed, as its first ms: each model call asks for the day of "now". */
let lastDay = { start: Number.NaN, text: '' };

/** The UTC day (`YYYY-MM-DD`) of a time. */
export function utcDay(at: number): string {
  const start = Math.floor(at / DAY_MS) * DAY_MS;
  if (start !== lastDay.start)
    lastDay = { start, text: new Date(start).toISOString().slice(0, 10) };
  return lastDay.text;
}
