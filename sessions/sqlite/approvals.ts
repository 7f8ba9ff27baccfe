/**
 * The SQLite {@link ApprovalStore}: persisted tool-call approvals and per-session
 * grants. The only writer of `approvals` and `session_grants`; the waiting and
 * expiry logic is agent/approvals.ts.
 */
import type { OutboundTarget } from '../../core/contract.js';
import type { Approval, ApprovalStatus, NewApproval } from '../records.js';
import type { ApprovalStore } from '../stores.js';
import { type Db, prepared } from './db.js';

interface ApprovalRow {
  id: string;
  call_key: string;
  session_id: number;
  conversation_key: string;
  channel: string;
  target: string;
  tool: string;
  args: string;
  requested_by: string;
  status: ApprovalStatus;
  decided_by: string | null;
  created_at: number;
  expires_at: number;
  decided_at: number | null;
}

const toApproval = (row: ApprovalRow): Approval => ({
  id: row.id,
  callKey: row.call_key,
  sessionId: row.session_id,
  conversationKey: row.conversation_key,
  channel: row.channel,
  target: JSON.parse(row.target) as OutboundTarget,
  tool: row.tool,
  args: row.args,
  requestedBy: row.requested_by,
  status: row.status,
  decidedBy: row.decided_by ?? undefined,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  decidedAt: row.decided_at ?? undefined,
});

export class SqliteApprovalStore implements ApprovalStore {
  constructor(private readonly db: Db) {}

  async create(approval: NewApproval): Promise<Approval> {
    prepared(
      this.db,
      `INSERT INTO approvals (id, call_key, session_id, conversation_key, channel, target, tool, args, requested_by, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      approval.id,
      approval.callKey,
      approval.sessionId,
      approval.conversationKey,
      approval.channel,
      JSON.stringify(approval.target),
      approval.tool,
      approval.args,
      approval.requestedBy,
      approval.createdAt,
      approval.expiresAt,
    );
    return { ...approval, status: 'pending', decidedBy: undefined, decidedAt: undefined };
  }

  async get(id: string): Promise<Approval | undefined> {
    const row = prepared(this.db, 'SELECT * FROM approvals WHERE id = ?').get(
      id.trim().toUpperCase(),
    ) as ApprovalRow | undefined;
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
