/**
 * The SQLite {@link UsageStore}: the only writer of `model_usage` and `usage_alerts`.
 * Costs are stored as integer billionths of the currency (exact sums); queries are
 * plain `SUM … GROUP BY` over an indexed time range, so Postgres can run the same SQL.
 */
import type { UsageStore } from '../stores.js';
import {
  type NewUsage,
  type UsageDimension,
  type UsageQuery,
  type UsageRow,
  type UsageTotals,
  utcDay,
} from '../usage-records.js';
import { type Db, prepared } from './db.js';

const NANOS = 1e9;

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

interface SumRow {
  calls: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  cost_nanos: number;
  unpriced: number;
}

const toTotals = (row: SumRow): UsageTotals => ({
  calls: row.calls,
  promptTokens: row.prompt_tokens,
  completionTokens: row.completion_tokens,
  cachedTokens: row.cached_tokens,
  tokens: row.prompt_tokens + row.completion_tokens,
  cost: row.cost_nanos / NANOS,
  unpricedCalls: row.unpriced,
});

/** `WHERE` clause and parameters of a query. */
function where(query: UsageQuery): { sql: string; params: (string | number)[] } {
  const parts = ['at >= ?', 'at < ?'];
  const params: (string | number)[] = [query.from, query.to];
  for (const [field, column] of Object.entries(filterColumn)) {
    const value = query[field as keyof typeof filterColumn];
    if (value === undefined) continue;
    parts.push(`${column} = ?`);
    params.push(value);
  }
  return { sql: parts.join(' AND '), params };
}

export class SqliteUsageStore implements UsageStore {
  constructor(private readonly db: Db) {}

  async record(entry: NewUsage): Promise<void> {
    prepared(
      this.db,
      `INSERT INTO model_usage (at, day, model, prompt_tokens, completion_tokens, cached_tokens,
        latency_ms, cost_nanos, user_id, conversation_key, channel, job_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      entry.at,
      utcDay(entry.at),
      entry.model,
      entry.promptTokens,
      entry.completionTokens,
      entry.cachedTokens,
      Math.round(entry.latencyMs),
      entry.cost === null ? null : Math.round(entry.cost * NANOS),
      entry.userId ?? null,
      entry.conversationKey ?? null,
      entry.channel ?? null,
      entry.jobId ?? null,
    );
  }

  async totals(query: UsageQuery): Promise<UsageTotals> {
    const { sql, params } = where(query);
    const row = prepared(this.db, `SELECT ${SUMS} FROM model_usage WHERE ${sql}`).get(
      ...params,
    ) as SumRow;
    return toTotals(row);
  }

  async breakdown(by: UsageDimension, query: UsageQuery): Promise<UsageRow[]> {
    const { sql, params } = where(query);
    const group = groupColumn[by];
    const rows = prepared(
      this.db,
      `SELECT ${group} AS key, ${SUMS} FROM model_usage WHERE ${sql}
       GROUP BY ${group} ORDER BY SUM(prompt_tokens + completion_tokens) DESC, ${group} IS NULL, ${group}`,
    ).all(...params) as (SumRow & { key: string | null })[];
    return rows.map((row) => ({ key: row.key, ...toTotals(row) }));
  }

  async markAlerted(key: string, period: string): Promise<boolean> {
    return (
      prepared(
        this.db,
        'INSERT INTO usage_alerts (key, period, sent_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      ).run(key, period, Date.now()).changes > 0
    );
  }
}
