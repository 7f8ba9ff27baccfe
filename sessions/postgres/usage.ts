/**
 * The Postgres {@link UsageStore}: the only writer of `model_usage` and `usage_alerts`.
 * The same `SUM … GROUP BY` over an indexed time range as `sessions/sqlite/usage.ts`.
 * Postgres sums BIGINT columns as NUMERIC, which node-postgres hands over as strings;
 * the sums are cast back to BIGINT here, and the pool parses BIGINT to numbers (db.ts).
 */
import type pg from 'pg';
import type { UsageStore } from '../stores.js';
import {
  type NewUsage,
  type UsageDimension,
  type UsageQuery,
  type UsageRow,
  type UsageTotals,
  utcDay,
} from '../usage-records.js';
import { all, changes, one } from './db.js';

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
  COALESCE(SUM(prompt_tokens), 0)::bigint AS prompt_tokens,
  COALESCE(SUM(completion_tokens), 0)::bigint AS completion_tokens,
  COALESCE(SUM(cached_tokens), 0)::bigint AS cached_tokens,
  COALESCE(SUM(cost_nanos), 0)::bigint AS cost_nanos,
  COUNT(*) FILTER (WHERE cost_nanos IS NULL) AS unpriced`;

interface SumRow {
  calls: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  cost_nanos: number;
  unpriced: number;
}

const toTotals = (row: SumRow): UsageTotals => ({
  calls: Number(row.calls),
  promptTokens: Number(row.prompt_tokens),
  completionTokens: Number(row.completion_tokens),
  cachedTokens: Number(row.cached_tokens),
  tokens: Number(row.prompt_tokens) + Number(row.completion_tokens),
  cost: Number(row.cost_nanos) / NANOS,
  unpricedCalls: Number(row.unpriced),
});

/** `WHERE` clause and parameters of a query ($1, $2, … in order). */
function where(query: UsageQuery): { sql: string; params: (string | number)[] } {
  const parts = ['at >= $1', 'at < $2'];
  const params: (string | number)[] = [query.from, query.to];
  for (const [field, column] of Object.entries(filterColumn)) {
    const value = query[field as keyof typeof filterColumn];
    if (value === undefined) continue;
    params.push(value);
    parts.push(`${column} = $${params.length}`);
  }
  return { sql: parts.join(' AND '), params };
}

export class PostgresUsageStore implements UsageStore {
  constructor(private readonly pool: pg.Pool) {}

  async record(entry: NewUsage): Promise<void> {
    await this.pool.query(
      `INSERT INTO model_usage (at, day, model, prompt_tokens, completion_tokens, cached_tokens,
        latency_ms, cost_nanos, user_id, conversation_key, channel, job_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
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
      ],
    );
  }

  async totals(query: UsageQuery): Promise<UsageTotals> {
    const { sql, params } = where(query);
    const row = await one<SumRow>(
      this.pool,
      `SELECT ${SUMS} FROM model_usage WHERE ${sql}`,
      params,
    );
    return toTotals(row!);
  }

  async breakdown(by: UsageDimension, query: UsageQuery): Promise<UsageRow[]> {
    const { sql, params } = where(query);
    const group = groupColumn[by];
    const rows = await all<SumRow & { key: string | null }>(
      this.pool,
      `SELECT ${group} AS key, ${SUMS} FROM model_usage WHERE ${sql}
       GROUP BY ${group} ORDER BY SUM(prompt_tokens + completion_tokens) DESC, ${group} IS NULL, ${group}`,
      params,
    );
    return rows.map((row) => ({ key: row.key, ...toTotals(row) }));
  }

  async markAlerted(key: string, period: string): Promise<boolean> {
    const sql =
      'INSERT INTO usage_alerts (key, period, sent_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING';
    return (await changes(this.pool, sql, [key, period, Date.now()])) > 0;
  }
}
