/**
 * How much of a session the model sees again: the most recent messages within a
 * message count and a token budget, starting at a user message. Engine-free, so
 * every `SessionStore` implementation bounds history the same way.
 */
import type { HistoryLimits, HistoryMessage, NewMessage } from './records.js';

/** Rough token count (4 characters per token plus framing): enough to bound history. */
export function estimateTokens(message: Pick<NewMessage, 'content' | 'toolCalls'>): number {
  const text =
    (message.content ?? '') + (message.toolCalls ? JSON.stringify(message.toolCalls) : '');
  return Math.ceil(text.length / 4) + 4;
}

/** How many stored rows to read, newest first, for {@link pickHistory}. */
export const historyRowLimit = (limits: HistoryLimits, next?: NewMessage) =>
  limits.maxMessages - (next ? 1 : 0);

/**
 * Picks the history from `newestFirst` (at most {@link historyRowLimit} stored
 * messages). `next` (the turn's user message, not stored yet) counts as the newest
 * and ends the list.
 */
export function pickHistory(
  newestFirst: HistoryMessage[],
  limits: HistoryLimits,
  next?: NewMessage,
): HistoryMessage[] {
  const picked: HistoryMessage[] = next ? [next] : [];
  let tokens = next ? estimateTokens(next) : 0;
  for (const message of newestFirst) {
    tokens += estimateTokens(message);
    if (tokens > limits.maxTokens && picked.length > 0) break;
    picked.push(message);
  }
  picked.reverse();
  while (picked.length > 1 && picked[0]!.role !== 'user') picked.shift();
  return picked;
}
