/**
 * The shape of the outbound pipeline (grammY's transformer idea): one function that
 * sends, and wraps of type `(next) => send` stacked around it, composed once per
 * adapter by the {@link Sender}:
 *
 *   format → chunk → plain fallback → throttle → retry → mapErrors → adapter.send / edit
 *
 * Each wrap does one thing and calls `next` zero or more times: chunk calls it once
 * per piece, retry calls it again after a wait, the plain fallback once more with
 * plain text. A wrap never knows which wraps sit around it.
 *
 * @example A wrap that logs every platform call
 * ```ts
 * const logged: Wrap = (next) => async (target, message) => {
 *   console.log('sending to', target.conversationId);
 *   return next(target, message);
 * };
 * ```
 */
import type {
  ChannelAdapter,
  OutboundMessage,
  OutboundTarget,
  SentMessage,
} from '../../core/contract.js';

/** What travels down the pipeline: a message, or the new text of a sent one. */
export interface Outgoing extends OutboundMessage {
  /** Platform id of a sent message to edit instead of sending a new one. */
  replaces?: string;
}

/** What comes back up: the message's id, and every piece's id once chunked. */
export interface Sent extends SentMessage {
  /** Ids of all pieces in order (set by the chunk step; one id otherwise). */
  messageIds?: string[];
}

/** One outbound call. */
export type Send = (target: OutboundTarget, message: Outgoing) => Promise<Sent>;

/** A step of the pipeline: takes the next call, returns a call with the step added. */
export type Wrap = (next: Send) => Send;

/** `compose(base, a, b)` is `a(b(base))`: the first wrap is the outermost. */
export function compose(base: Send, ...wraps: Wrap[]): Send {
  return wraps.reduceRight<Send>((next, wrap) => wrap(next), base);
}

/** The innermost call: `adapter.send`, or `adapter.edit` when the message replaces one. */
export function platformCall(adapter: ChannelAdapter): Send {
  return async (target, { replaces, ...message }) => {
    if (replaces === undefined) return adapter.send(target, message);
    if (!adapter.edit) throw new Error(`${adapter.id} cannot edit messages`);
    await adapter.edit(target, replaces, message);
    return { messageId: replaces };
  };
}
