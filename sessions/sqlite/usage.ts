/**
 * The SQLite {@link UsageStore}: the only writer of `model_usage` and `usage_alerts`.
 * The rows and the sums asked of them are engine-neutral (`sessions/rows/usage.ts`);
 * this file runs them on the shared connection.
 */

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
import { type Db, placeholder, prepared } from './db.js';

const INSERT_USAGE = insertSql('model_usage', usageColumns, placeholder);

export class SqliteUsageStore implements UsageStore {
  constructor(private readonly db: Db) {}

  async record(entry: NewUsage): Promise<void> {
    prepared(this.db, INSERT_USAGE).run(...usageColumns.values(entry));
  }

  async totals(query: UsageQuery): Promise<UsageTotals> {
    const { sql, params } = totalsQuery(query, placeholder);
    return toTotals(prepared(this.db, sql).get(...params) as SumRow);
  }

  async breakdown(by: UsageDimension, query: UsageQuery): Promise<UsageRow[]> {
    const { sql, params } = breakdownQuery(by, query, placeholder);
    const rows = prepared(this.db, sql).all(...params) as (SumRow & { key: string | null })[];
    return rows.map(toUsageRow);
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
