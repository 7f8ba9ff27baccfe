/**
 * Persisted tool-call approvals and per-session grants. The only writer of
 * `approvals` and `session_grants`; the waiting and expiry logic is agent/approvals.ts.
 */
import type { OutboundTarget } from '../core/contract.js';
import { type Db, prepared } from './db.js';

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';

export interface Approval {
  id: string;
  callKey: string;
  sessionId: number;
  conversationKey: string;
  channel: string;
  target: OutboundTarget;
  tool: string;
  args: string;
  requestedBy: string;
  status: ApprovalStatus;
  decidedBy: string | undefined;
  createdAt: number;
  expiresAt: number;
  decidedAt: number | undefined;
}

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

export type NewApproval = Omit<Approval, 'status' | 'decidedBy' | 'decidedAt'>;

export class ApprovalStore {
  constructor(private readonly db: Db) {}

  create(approval: NewApproval): Approval {
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

  get(id: string): Approval | undefined {
    const row = prepared(this.db, 'SELECT * FROM approvals WHERE id = ?').get(
      id.trim().toUpperCase(),
    ) as ApprovalRow | undefined;
    return row ? toApproval(row) : undefined;
  }

  byCallKey(callKey: string): Approval | undefined {
    const row = prepared(this.db, 'SELECT * FROM approvals WHERE call_key = ?').get(callKey) as
      | ApprovalRow
      | undefined;
    return row ? toApproval(row) : undefined;
  }

  /** Sets the outcome of a pending approval; false when it was already decided. */
  decide(id: string, status: Exclude<ApprovalStatus, 'pending'>, decidedBy: string): boolean {
    return (
      prepared(
        this.db,
        `UPDATE approvals SET status = ?, decided_by = ?, decided_at = ? WHERE id = ? AND status = 'pending'`,
      ).run(status, decidedBy, Date.now(), id).changes > 0
    );
  }

  pending(): Approval[] {
    const rows = prepared(
      this.db,
      `SELECT * FROM approvals WHERE status = 'pending' ORDER BY created_at`,
    ).all() as ApprovalRow[];
    return rows.map(toApproval);
  }

  /** Marks overdue pending approvals expired and returns their ids. */
  expireOverdue(now = Date.now()): string[] {
    const rows = prepared(
      this.db,
      `SELECT id FROM approvals WHERE status = 'pending' AND expires_at <= ?`,
    ).all(now) as { id: string }[];
    for (const { id } of rows) this.decide(id, 'expired', 'timeout');
    return rows.map((row) => row.id);
  }

  grant(sessionId: number, tool: string, grantedBy: string): void {
    prepared(
      this.db,
      'INSERT INTO session_grants (session_id, tool, granted_by, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    ).run(sessionId, tool, grantedBy, Date.now());
  }

  hasGrant(sessionId: number, tool: string): boolean {
    return (
      prepared(this.db, 'SELECT 1 FROM session_grants WHERE session_id = ? AND tool = ?').get(
        sessionId,
        tool,
      ) !== undefined
    );
  }
}
