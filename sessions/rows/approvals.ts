/**
 * The rows of `approvals` as both engines store them, mapped to and from
 * {@link Approval} once. The target is JSON text; an undecided approval has NULL
 * `decided_by` and `decided_at`.
 */
import type { OutboundTarget } from '../../core/contract.js';
import type { Approval, ApprovalStatus, NewApproval } from '../records.js';
import { columns } from './sql.js';

export interface ApprovalRow {
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

export const toApproval = (row: ApprovalRow): Approval => ({
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

/** An approval as created: pending, undecided. */
export const pendingApproval = (approval: NewApproval): Approval => ({
  ...approval,
  status: 'pending',
  decidedBy: undefined,
  decidedAt: undefined,
});

/** The columns `create` writes (status takes its default, `pending`). */
export const approvalColumns = columns<NewApproval>({
  id: (a) => a.id,
  call_key: (a) => a.callKey,
  session_id: (a) => a.sessionId,
  conversation_key: (a) => a.conversationKey,
  channel: (a) => a.channel,
  target: (a) => JSON.stringify(a.target),
  tool: (a) => a.tool,
  args: (a) => a.args,
  requested_by: (a) => a.requestedBy,
  created_at: (a) => a.createdAt,
  expires_at: (a) => a.expiresAt,
});
