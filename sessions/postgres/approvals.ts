/**
 * The Postgres {@link ApprovalStore}: persisted tool-call approvals and per-session
 * grants. The only writer of `approvals` and `session_grants`; the waiting and expiry
 * logic is agent/approvals.ts.
 *
 * Rows map to records (and back) in `sessions/rows/approvals.ts`, shared with the SQLite
 * store; this file holds the SQL and the driver calls.
 */
import type pg from 'pg';
import { normalizeCode } from '../codes.js';
import type { Approval, ApprovalStatus, NewApproval } from '../records.js';
import {
  type ApprovalRow,
  approvalColumns,
  pendingApproval,
  toApproval,
} from '../rows/approvals.js';
import { insertSql } from '../rows/sql.js';
import type { ApprovalStore } from '../stores.js';
import { all, changes, one, placeholder } from './db.js';

const INSERT_APPROVAL = insertSql('approvals', approvalColumns, placeholder);

export class PostgresApprovalStore implements ApprovalStore {
  constructor(private readonly pool: pg.Pool) {}

  async create(approval: NewApproval): Promise<Approval> {
    await this.pool.query(INSERT_APPROVAL, approvalColumns.values(approval));
    return pendingApproval(approval);
  }

  async get(id: string): Promise<Approval | undefined> {
    const sql = 'SELECT * FROM approvals WHERE id = $1';
    const row = await one<ApprovalRow>(this.pool, sql, [normalizeCode(id)]);
    return row ? toApproval(row) : undefined;
  }

  async byCallKey(callKey: string): Promise<Approval | undefined> {
    const row = await one<ApprovalRow>(this.pool, 'SELECT * FROM approvals WHERE call_key = $1', [
      callKey,
    ]);
    return row ? toApproval(row) : undefined;
  }

  async decide(
    id: string,
    status: Exclude<ApprovalStatus, 'pending'>,
    decidedBy: string,
  ): Promise<boolean> {
    const sql = `UPDATE approvals SET status = $1, decided_by = $2, decided_at = $3 WHERE id = $4 AND status = 'pending'`;
    return (await changes(this.pool, sql, [status, decidedBy, Date.now(), id])) > 0;
  }

  async pending(): Promise<Approval[]> {
    const sql = `SELECT * FROM approvals WHERE status = 'pending' ORDER BY created_at, id`;
    return (await all<ApprovalRow>(this.pool, sql)).map(toApproval);
  }

  /** Marks overdue pending approvals expired (in one statement) and returns their ids. */
  async expireOverdue(now = Date.now()): Promise<string[]> {
    const rows = await all<{ id: string }>(
      this.pool,
      `UPDATE approvals SET status = 'expired', decided_by = 'timeout', decided_at = $1
         WHERE status = 'pending' AND expires_at <= $2 RETURNING id`,
      [Date.now(), now],
    );
    return rows.map((row) => row.id);
  }

  async grant(sessionId: number, tool: string, grantedBy: string): Promise<void> {
    await this.pool.query(
      'INSERT INTO session_grants (session_id, tool, granted_by, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
      [sessionId, tool, grantedBy, Date.now()],
    );
  }

  async hasGrant(sessionId: number, tool: string): Promise<boolean> {
    const sql = 'SELECT 1 FROM session_grants WHERE session_id = $1 AND tool = $2';
    return (await one(this.pool, sql, [sessionId, tool])) !== undefined;
  }
}
