/**
 * The Postgres {@link ApprovalStore}: persisted tool-call approvals and per-session
 * grants. The only writer of `approvals` and `session_grants`; the waiting and expiry
 * logic is agent/approvals.ts.
 */
import type pg from 'pg';
import type { OutboundTarget } from '../../core/contract.js';
import type { Approval, ApprovalStatus, NewApproval } from '../records.js';
import type { ApprovalStore } from '../stores.js';
import { all, changes, one } from './db.js';

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

export class PostgresApprovalStore implements ApprovalStore {
  constructor(private readonly pool: pg.Pool) {}

  async create(approval: NewApproval): Promise<Approval> {
    await this.pool.query(
      `INSERT INTO approvals (id, call_key, session_id, conversation_key, channel, target, tool, args, requested_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
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
      ],
    );
    return { ...approval, status: 'pending', decidedBy: undefined, decidedAt: undefined };
  }

  async get(id: string): Promise<Approval | undefined> {
    const sql = 'SELECT * FROM approvals WHERE id = $1';
    const row = await one<ApprovalRow>(this.pool, sql, [id.trim().toUpperCase()]);
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
