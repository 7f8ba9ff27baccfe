/**
 * The usage ledger's rows (`model_usage`) as both engines store and sum them: the
 * columns a call is written to, and the two questions asked of it (totals over a time
 * range, and a breakdown by one dimension), as one plain `SUM … GROUP BY` that SQLite
 * and Postgres run unchanged. Costs are integer billionths of the currency, so sums
 * are exact.
 *
 * Engines differ in one thing here: Postgres sums BIGINT columns as NUMERIC (the pool
 * in `sessions/postgres/db.ts` parses it, and BIGINT, to numbers); {@link toTotals}
 * takes every sum through `Number` so a row reads the same from either driver.
 */
import type {
  NewUsage,
  UsageDimension,
  UsageQuery,
  UsageRow,
  UsageTotals,
} from '../usage-records.js';
import { utcDay } from '../usage-records.js';
import { Conditions, columns, type Placeholder, type Query } from './sql.js';

/** Stored cost units per currency unit. */
const NANOS = 1e9;

/** The columns `record` writes: the day is derived, latency whole ms, cost in nanos. */
export const usageColumns = columns<NewUsage>({
  at: (entry) => entry.at,
  day: (entry) => utcDay(entry.at),
  model: (entry) => entry.model,
  prompt_tokens: (entry) => entry.promptTokens,
  completion_tokens: (entry) => entry.completionTokens,
  cached_tokens: (entry) => entry.cachedTokens,
  latency_ms: (entry) => Math.round(entry.latencyMs),
  cost_nanos: (entry) => (entry.cost === null ? null : Math.round(entry.cost * NANOS)),
  user_id: (entry) => entry.userId ?? null,
  conversation_key: (entry) => entry.conversationKey ?? null,
  channel: (entry) => entry.channel ?? null,
  job_id: (entry) => entry.jobId ?? null,
});

/** The SQL expression of each breakdown's group. */
const groupColumn: Record<UsageDimension, string> = {
  user: 'user_id',
  conversation: 'conversation_key',
  channel: 'channel',
  job: 'job_id',
  model: 'model',
  day: 'day',
  month: 'substr(day, 1, 7)',
};

/** Attribution filters: query field → column. */
const filterColumn = {
  userId: 'user_id',
  conversationKey: 'conversation_key',
  channel: 'channel',
  jobId: 'job_id',
  model: 'model',
} as const;

const SUMS = `COUNT(*) AS calls,
  COALESCE(SUM(prompt_tokens), 0) AS prompt_tokens,
  COALESCE(SUM(completion_tokens), 0) AS completion_tokens,
  COALESCE(SUM(cached_tokens), 0) AS cached_tokens,
  COALESCE(SUM(cost_nanos), 0) AS cost_nanos,
  COALESCE(SUM(CASE WHEN cost_nanos IS NULL THEN 1 ELSE 0 END), 0) AS unpriced`;

/** A row of {@link SUMS}: numbers from SQLite; numbers (or numeric strings) from Postgres. */
export interface SumRow {
  calls: number | string;
  prompt_tokens: number | string;
  completion_tokens: number | string;
  cached_tokens: number | string;
  cost_nanos: number | string;
  unpriced: number | string;
}

export const toTotals = (row: SumRow): UsageTotals => ({
  calls: Number(row.calls),
  promptTokens: Number(row.prompt_tokens),
  completionTokens: Number(row.completion_tokens),
  cachedTokens: Number(row.cached_tokens),
  tokens: Number(row.prompt_tokens) + Number(row.completion_tokens),
  cost: Number(row.cost_nanos) / NANOS,
  unpricedCalls: Number(row.unpriced),
});

export const toUsageRow = (row: SumRow & { key: string | null }): UsageRow => ({
  key: row.key,
  ...toTotals(row),
});

/** The conditions of a query: its time range and every attribution it names. */
function where(query: UsageQuery, placeholder: Placeholder): Conditions {
  const conditions = new Conditions(placeholder).add('at >= ?', query.from).add('at < ?', query.to);
  for (const [field, column] of Object.entries(filterColumn)) {
    const value = query[field as keyof typeof filterColumn];
    if (value !== undefined) conditions.add(`${column} = ?`, value);
  }
  return conditions;
}

/** One {@link SumRow} over the calls `query` covers. */
export function totalsQuery(query: UsageQuery, placeholder: Placeholder): Query {
  const conditions = where(query, placeholder);
  return { sql: `SELECT ${SUMS} FROM model_usage ${conditions.sql()}`, params: conditions.params };
}

/** A {@link SumRow} and `key` per group of `by`: most tokens first, calls without a key last. */
export function breakdownQuery(
  by: UsageDimension,
  query: UsageQuery,
  placeholder: Placeholder,
): Query {
  const conditions = where(query, placeholder);
  const group = groupColumn[by];
  const sql = `SELECT ${group} AS key, ${SUMS} FROM model_usage ${conditions.sql()}
    GROUP BY ${group} ORDER BY SUM(prompt_tokens + completion_tokens) DESC, ${group} IS NULL, ${group}`;
  return { sql, params: conditions.params };
}
