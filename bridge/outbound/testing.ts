/**
 * Helpers for the outbound wraps' unit tests: a recording `Send` that answers with
 * numbered ids (or throws what a test queued), and a target per chat type.
 */
import type { OutboundTarget } from '../../core/contract.js';
import type { Outgoing, Send } from './pipeline.js';

export interface RecordedCall {
  target: OutboundTarget;
  message: Outgoing;
  /** `Date.now()` when the call was made (fake time in the tests). */
  at: number;
}

/** A `Send` that records each call; queued failures are thrown first, in order. */
export function recordingSend(): Send & { calls: RecordedCall[]; failures: unknown[] } {
  const calls: RecordedCall[] = [];
  const failures: unknown[] = [];
  const send = async (target: OutboundTarget, message: Outgoing) => {
    calls.push({ target, message, at: Date.now() });
    if (failures.length > 0) throw failures.shift();
    return { messageId: `m${calls.length}` };
  };
  return Object.assign(send, { calls, failures });
}

export const dm = (conversationId = 'alice'): OutboundTarget => ({
  account: 'bot',
  conversationId,
  chatType: 'dm',
});

export const group = (conversationId = 'team'): OutboundTarget => ({
  account: 'bot',
  conversationId,
  chatType: 'group',
});

export const text = (value: string, format = 'plain'): Outgoing => ({ text: value, format });
