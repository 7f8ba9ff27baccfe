/**
 * The Postgres {@link UsageStore}: the only writer of `model_usage` and `usage_alerts`.
 * The rows and the sums asked of them are engine-neutral (`sessions/rows/usage.ts`,
 * the same SQL as SQLite's); this file runs them on the pool.
 */
import type pg from 'pg';
import { insertSql } from '../rows/sql.js';
import {
  breakdownQuery,
  type SumRow,
  toTotals,
  totalsQuery,
  toUsageRow,
  usageColumns,
} from '../rows/usage.js';
import type { UsageStore } from '../stores.js';
import type {
  NewUsage,
  UsageDimension,
  UsageQuery,
  UsageRow,
  UsageTotals,
} from '../usage-records.js';
import { all, changes, one, placeholder } from './db.js';

const INSERT_USAGE = insertSql('model_usage', usageColumns, placeholder);

export class PostgresUsageStore implements UsageStore {
  constructor(private readonly pool: pg.Pool) {}

  async record(entry: NewUsage): Promise<void> {
    await this.pool.query(INSERT_USAGE, usageColumns.values(entry));
  }

  async totals(query: UsageQuery): Promise<UsageTotals> {
    const { sql, params } = totalsQuery(query, placeholder);
    return toTotals((await one<SumRow>(this.pool, sql, params))!);
  }

  async breakdown(by: UsageDimension, query: UsageQuery): Promise<UsageRow[]> {
    const { sql, params } = breakdownQuery(by, query, placeholder);
    const rows = await all<SumRow & { key: string | null }>(this.pool, sql, params);
    return rows.map(toUsageRow);
  }

  async markAlerted(key: string, period: string): Promise<boolean> {
    const sql =
      'INSERT INTO usage_alerts (key, period, sent_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING';
    return (await changes(this.pool, sql, [key, period, Date.now()])) > 0;
  }
}
