/**
 * The SQLite {@link ApprovalStore}: persisted tool-call approvals and per-session
 * grants. The only writer of `approvals` and `session_grants`; the waiting and
 * expiry logic is agent/approvals.ts.
 *
 * Rows map to records (and back) in `sessions/rows/approvals.ts`, shared with the Postgres
 * store; this file holds the SQL and the driver calls.
 */
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
import { type Db, placeholder, prepared } from './db.js';

const INSERT_APPROVAL = insertSql('approvals', approvalColumns, placeholder);

export class SqliteApprovalStore implements ApprovalStore {
  constructor(private readonly db: Db) {}

  async create(approval: NewApproval): Promise<Approval> {
    prepared(this.db, INSERT_APPROVAL).run(...approvalColumns.values(approval));
    return pendingApproval(approval);
  }

  async get(id: string): Promise<Approval | undefined> {
    const row = prepared(this.db, 'SELECT * FROM approvals WHERE id = ?').get(normalizeCode(id)) as
      | ApprovalRow
      | undefined;
    return row ? toApproval(row) : undefined;
  }

  async byCallKey(callKey: string): Promise<Approval | undefined> {
    const row = prepared(this.db, 'SELECT * FROM approvals WHERE call_key = ?').get(callKey) as
      | ApprovalRow
      | undefined;
    return row ? toApproval(row) : undefined;
  }

  /** Sets the outcome of a pending approval; false when it was already decided. */
  async decide(
    id: string,
    status: Exclude<ApprovalStatus, 'pending'>,
    decidedBy: string,
  ): Promise<boolean> {
    return this.decideNow(id, status, decidedBy);
  }

  private decideNow(id: string, status: Exclude<ApprovalStatus, 'pending'>, by: string): boolean {
    return (
      prepared(
        this.db,
        `UPDATE approvals SET status = ?, decided_by = ?, decided_at = ? WHERE id = ? AND status = 'pending'`,
      ).run(status, by, Date.now(), id).changes > 0
    );
  }

  async pending(): Promise<Approval[]> {
    const rows = prepared(
      this.db,
      `SELECT * FROM approvals WHERE status = 'pending' ORDER BY created_at`,
    ).all() as ApprovalRow[];
    return rows.map(toApproval);
  }

  /** Marks overdue pending approvals expired and returns their ids. */
  async expireOverdue(now = Date.now()): Promise<string[]> {
    const rows = prepared(
      this.db,
      `SELECT id FROM approvals WHERE status = 'pending' AND expires_at <= ?`,
    ).all(now) as { id: string }[];
    for (const { id } of rows) this.decideNow(id, 'expired', 'timeout');
    return rows.map((row) => row.id);
  }

  async grant(sessionId: number, tool: string, grantedBy: string): Promise<void> {
    prepared(
      this.db,
      'INSERT INTO session_grants (session_id, tool, granted_by, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    ).run(sessionId, tool, grantedBy, Date.now());
  }

  async hasGrant(sessionId: number, tool: string): Promise<boolean> {
    return (
      prepared(this.db, 'SELECT 1 FROM session_grants WHERE session_id = ? AND tool = ?').get(
        sessionId,
        tool,
      ) !== undefined
    );
  }
}
