/**
 * Tool-call approvals. A call whose tool has policy `ask` is persisted (so it
 * survives a restart) and presented to the approver with buttons where the channel
 * has them, or as a reply code (`approve <id>` / `deny <id>`). The agent's turn
 * awaits the decision; other conversations keep running. Unanswered requests are
 * denied when they expire. "Allow for this session" grants the tool to the session;
 * for `shell`, "allow this command" grants only the same programs (the set parsed by
 * tools/sandbox/command-policy.ts, whatever the arguments) to the session.
 *
 * Answers arrive as control messages (see `parseApprovalAnswer`), which the bridge
 * runs outside the conversation's lane, because the waiting turn holds that lane.
 */
import { createHash } from 'node:crypto';
import type { OutboundButton } from '../core/contract.js';
import { newCode } from '../sessions/codes.js';
import type { Approval } from '../sessions/records.js';
import type { ApprovalStore } from '../sessions/stores.js';
import { parseCommand } from '../tools/sandbox/command-policy.js';

export type Decision = 'approved' | 'denied' | 'expired';
export type Answer = 'approve' | 'deny' | 'session';
/** An answer as `ApprovalService.answer` takes it: `command` = allow this shell command for the session. */
export type ScopedAnswer = Answer | 'command';

/**
 * The grant key "this command" stands for: `shell:<programs, sorted>`; undefined
 * when the call is no shell command or runs something that cannot be named.
 */
export function commandGrantKey(tool: string, args: string): string | undefined {
  if (tool !== 'shell') return undefined;
  try {
    const { command } = JSON.parse(args) as { command?: unknown };
    if (typeof command !== 'string') return undefined;
    const parsed = parseCommand(command);
    if (parsed.opaque || parsed.programs.length === 0) return undefined;
    return `shell:${[...new Set(parsed.programs)].sort().join(' ')}`;
  } catch {
    return undefined;
  }
}

/** What a tool call needs approved: the call, where it came from, and who asked. */
export type ApprovalRequest = Pick<
  Approval,
  'sessionId' | 'conversationKey' | 'channel' | 'target' | 'tool' | 'args' | 'requestedBy'
> & { inboxId: number };

export interface ApprovalOptions {
  timeoutMs: number;
  /** Who may answer besides owners: `requester` lets the asker approve their own calls. */
  approver: 'owner' | 'requester';
  isOwner: (principal: string) => boolean;
}

const BUTTON_PREFIX = 'approval:';

/**
 * Reads an approval answer from a button payload or a text like `approve AB12CD` /
 * `/deny AB12CD` / `allow AB12CD command`. "This command" comes back as
 * `approve` + `command: true`, so a caller that ignores the flag approves once only.
 */
export function parseApprovalAnswer(input: {
  text: string;
  action?: { data: string };
}): { id: string; answer: Answer; command?: true } | undefined {
  const data = input.action?.data;
  if (data?.startsWith(BUTTON_PREFIX)) {
    const [, id, answer] = data.split(':');
    if (id && answer === 'command') return { id, answer: 'approve', command: true };
    if (id && (answer === 'approve' || answer === 'deny' || answer === 'session'))
      return { id, answer };
    return undefined;
  }
  const match =
    /^\/?(approve|deny|allow)(?:@\S+)?\s+([A-Za-z0-9]{4,12})(\s+session|\s+command)?\s*$/i.exec(
      input.text.trim(),
    );
  if (!match) return undefined;
  const verb = match[1]!.toLowerCase();
  const scope = match[3]?.trim().toLowerCase();
  const id = match[2]!.toUpperCase();
  if (verb !== 'deny' && scope === 'command') return { id, answer: 'approve', command: true };
  const answer: Answer =
    verb === 'deny' ? 'deny' : scope || verb === 'allow' ? 'session' : 'approve';
  return { id, answer };
}

/** Buttons shown with an approval prompt (`thisCommand`: a shell call that can be granted as a command). */
export function approvalButtons(id: string, thisCommand = false): OutboundButton[] {
  return [
    { label: 'Approve', data: `${BUTTON_PREFIX}${id}:approve`, style: 'primary' },
    ...(thisCommand
      ? [{ label: 'Allow this command for session', data: `${BUTTON_PREFIX}${id}:command` }]
      : []),
    { label: 'Allow for session', data: `${BUTTON_PREFIX}${id}:session` },
    { label: 'Deny', data: `${BUTTON_PREFIX}${id}:deny`, style: 'danger' },
  ];
}

export class ApprovalService {
  private readonly waiters = new Map<string, Set<(decision: Decision) => void>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly listeners: ((approval: Approval) => void)[] = [];

  constructor(
    readonly store: ApprovalStore,
    private readonly options: ApprovalOptions,
  ) {}

  /** Called whenever an approval is created or decided (admin page, metrics). */
  onChange(listener: (approval: Approval) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Returns the decision for a call, creating the request when it is new. `present`
   * shows a new (or still pending, after a restart) request to the approver.
   */
  async decide(
    request: ApprovalRequest,
    present: (approval: Approval) => Promise<void>,
  ): Promise<Decision> {
    if (await this.store.hasGrant(request.sessionId, request.tool)) return 'approved';
    const commandKey = commandGrantKey(request.tool, request.args);
    if (commandKey && (await this.store.hasGrant(request.sessionId, commandKey))) return 'approved';
    const callKey = `${request.inboxId}:${request.tool}:${createHash('sha256').update(request.args).digest('hex').slice(0, 16)}`;
    let approval = await this.store.byCallKey(callKey);
    if (approval && approval.status !== 'pending')
      return approval.status === 'approved' ? 'approved' : approval.status;
    if (!approval) {
      const now = Date.now();
      approval = await this.store.create({
        ...request,
        id: newCode(6),
        callKey,
        createdAt: now,
        expiresAt: now + this.options.timeoutMs,
      });
      this.emit(approval);
    }
    const decision = this.wait(approval);
    await present(approval);
    return decision;
  }

  /** Applies an answer from `principal` (`channel:senderId`). Returns text for the chat. */
  async answer(
    id: string,
    answer: ScopedAnswer,
    principal: string,
  ): Promise<{ ok: boolean; text: string }> {
    const approval = await this.store.get(id);
    if (!approval) return { ok: false, text: `No approval request ${id}.` };
    if (approval.status !== 'pending')
      return { ok: false, text: `Request ${approval.id} was already ${approval.status}.` };
    const allowed =
      this.options.isOwner(principal) ||
      (this.options.approver === 'requester' && principal === approval.requestedBy);
    if (!allowed) return { ok: false, text: 'Only the owner can answer this approval request.' };
    const status = answer === 'deny' ? 'denied' : 'approved';
    if (!(await this.store.decide(approval.id, status, principal)))
      return { ok: false, text: `Request ${approval.id} was already decided.` };
    const commandKey =
      answer === 'command' ? commandGrantKey(approval.tool, approval.args) : undefined;
    if (answer === 'session') await this.store.grant(approval.sessionId, approval.tool, principal);
    if (commandKey) await this.store.grant(approval.sessionId, commandKey, principal);
    await this.settle(approval.id, status);
    const how = commandKey
      ? `allowed ${commandKey.slice('shell:'.length)} (shell) for the rest of this session`
      : answer === 'session'
        ? `allowed ${approval.tool} for the rest of this session`
        : `${status} ${approval.tool}`;
    return { ok: true, text: `Request ${approval.id}: ${how}.` };
  }

  /** Expires overdue requests (also run by their own timers). */
  async sweep(): Promise<void> {
    for (const id of await this.store.expireOverdue()) await this.settle(id, 'expired');
  }

  pending(): Promise<Approval[]> {
    return this.store.pending();
  }

  /**
   * Another node decided `id` (its answer reached that node): releases the turns
   * waiting for it here. The decision is already stored; nothing is written.
   */
  async decidedElsewhere(id: string): Promise<void> {
    if (!this.waiters.has(id)) return;
    const approval = await this.store.get(id);
    if (!approval || approval.status === 'pending') return;
    await this.settle(id, approval.status === 'approved' ? 'approved' : approval.status);
  }

  /** Releases waiting turns as denied (shutdown). */
  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private wait(approval: Approval): Promise<Decision> {
    return new Promise((resolve) => {
      const set = this.waiters.get(approval.id) ?? new Set();
      set.add(resolve);
      this.waiters.set(approval.id, set);
      if (!this.timers.has(approval.id)) {
        const delay = Math.max(0, approval.expiresAt - Date.now());
        const timer = setTimeout(() => void this.sweep(), delay + 5);
        timer.unref();
        this.timers.set(approval.id, timer);
      }
    });
  }

  private async settle(id: string, decision: Decision): Promise<void> {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    for (const resolve of this.waiters.get(id) ?? []) resolve(decision);
    this.waiters.delete(id);
    const approval = await this.store.get(id);
    if (approval) this.emit(approval);
  }

  private emit(approval: Approval): void {
    for (const listener of this.listeners) listener(approval);
  }
}
