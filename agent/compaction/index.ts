/**
 * History compaction: when a session's messages no longer fit `history.maxMessages`
 * / `history.maxTokens`, the older ones are summarised by the model instead of being
 * dropped. The summary (stored on the session, shown by `/status`, exported with it)
 * goes to the model as a system message before the recent history.
 *
 *   unsummarised messages + the turn's ─ fit the limits? ─yes─► as they are
 *                                        │ no
 *                                        ▼
 *   keep the newest half of the budget, summarise the rest (with the old summary)
 *   ─► sessions.setSummary(text, through = last summarised id)
 *
 * Compacting to half the budget leaves room for several turns before the next
 * summary. If the model cannot summarise, the older messages are dropped as before,
 * and that session is not tried again for {@link RETRY_AFTER_MS}.
 */
import type { Logger } from 'pino';
import { estimateTokens, historyRowLimit, pickHistory } from '../../sessions/history.js';
import type { HistoryLimits, HistoryMessage, NewMessage, Session } from '../../sessions/records.js';
import type { SessionStore } from '../../sessions/stores.js';
import type { ChatMessage, ChatModel, CompletionRequest } from '../llm.js';

export interface CompactionDeps {
  sessions: SessionStore;
  model: ChatModel;
  log: Logger;
  /** Off: older messages are dropped (no summary is written). */
  enabled: boolean;
  signal?: AbortSignal | undefined;
  preferredModel?: string | undefined;
  onEvent?: CompletionRequest['onEvent'];
  /** When summarising last failed, per session id (kept by the caller across turns). */
  failures?: Map<number, number>;
  /** Applied to the summary before it is stored (secret redaction). */
  redact?: (text: string) => string;
}

export interface TurnHistory {
  /** What the model sees, oldest first, ending with the turn's message. */
  history: HistoryMessage[];
  /** The session's summary of older messages, if any. */
  summary: string | undefined;
}

/** A session whose summary failed is not summarised again before this. */
export const RETRY_AFTER_MS = 10 * 60_000;

/** At most this many stored messages are read to decide; compaction keeps sessions far below. */
const WINDOW = (limits: HistoryLimits) => limits.maxMessages * 4 + 100;

/** The turn's history within `limits`, compacting older messages into the summary first if needed. */
export async function turnHistory(
  session: Session,
  limits: HistoryLimits,
  next: NewMessage,
  deps: CompactionDeps,
): Promise<TurnHistory> {
  const summary = session.summary?.text;
  const failedAt = deps.failures?.get(session.id);
  if (!deps.enabled || (failedAt !== undefined && Date.now() - failedAt < RETRY_AFTER_MS))
    return { history: await deps.sessions.history(session.id, limits, next), summary };
  const wide = { maxMessages: WINDOW(limits), maxTokens: Number.MAX_SAFE_INTEGER };
  const stored = (await deps.sessions.history(session.id, wide, next)).slice(0, -1);
  const newestFirst = [...stored].reverse();
  const within = (bounds: HistoryLimits) =>
    pickHistory(newestFirst.slice(0, historyRowLimit(bounds, next)), bounds, next);
  const fits = within(limits);
  if (fits.length === stored.length + 1) return { history: fits, summary };
  const half = {
    maxMessages: Math.max(2, Math.floor(limits.maxMessages / 2)),
    maxTokens: Math.floor(limits.maxTokens / 2),
  };
  const keep = within(half);
  const firstKept = keep[0]?.id;
  const older = firstKept === undefined ? stored : stored.filter((m) => m.id! < firstKept);
  const chunk = oldestTurns(older, limits.maxTokens * 2);
  const throughId = chunk.at(-1)?.id;
  if (throughId === undefined) return { history: fits, summary };
  try {
    const text = await summarise(summary, chunk, limits, deps);
    await deps.sessions.setSummary(session.id, deps.redact ? deps.redact(text) : text, throughId);
    deps.failures?.delete(session.id);
    deps.log.info(
      { session: session.id, summarised: chunk.length, kept: keep.length - 1 },
      'history compacted',
    );
    // A long backlog is summarised a chunk per turn; until then the newest that fit are sent.
    return { history: chunk.length === older.length ? keep : fits, summary: text };
  } catch (error) {
    if (deps.signal?.aborted) throw error;
    deps.failures?.set(session.id, Date.now());
    deps.log.warn(
      { err: error, session: session.id },
      'history compaction failed; older messages dropped',
    );
    return { history: fits, summary };
  }
}

/**
 * The oldest whole turns of `older` within about `budget` tokens (at least one turn),
 * ending before a user message, so what stays unsummarised starts with one.
 */
function oldestTurns(older: HistoryMessage[], budget: number): HistoryMessage[] {
  let tokens = 0;
  let end = 0;
  for (let index = 0; index < older.length; index++) {
    tokens += estimateTokens(older[index]!);
    const turnEnds = index + 1 === older.length || older[index + 1]!.role === 'user';
    if (!turnEnds) continue;
    if (tokens > budget && end > 0) break;
    end = index + 1;
  }
  return older.slice(0, end);
}

const INSTRUCTIONS = (words: number) =>
  'You condense the earlier part of a chat so the assistant can continue it. Keep facts, ' +
  'names, numbers, decisions, preferences the user stated, open questions and pending tasks; ' +
  `drop greetings and small talk. Write plain prose, at most ${words} words, no preamble.`;

async function summarise(
  previous: string | undefined,
  older: HistoryMessage[],
  limits: HistoryLimits,
  deps: CompactionDeps,
): Promise<string> {
  const words = Math.max(60, Math.min(400, Math.floor(limits.maxTokens / 8)));
  const transcript = older.map(line).join('\n');
  const messages: ChatMessage[] = [
    { role: 'system', content: INSTRUCTIONS(words) },
    {
      role: 'user',
      content: `${previous ? `Summary so far:\n${previous}\n\n` : ''}Messages to add to it:\n${transcript}`,
    },
  ];
  const completion = await deps.model.complete({
    messages,
    tools: [],
    ...(deps.signal ? { signal: deps.signal } : {}),
    ...(deps.preferredModel ? { model: deps.preferredModel } : {}),
    ...(deps.onEvent ? { onEvent: deps.onEvent } : {}),
  });
  const text = completion.content?.trim();
  if (!text || completion.cutOff) throw new Error('the model returned no usable summary');
  return text;
}

/** One message as a transcript line; tool output is cut, it is rarely worth keeping whole. */
function line(message: HistoryMessage): string {
  const content = (message.content ?? '').slice(0, 2000);
  switch (message.role) {
    case 'assistant': {
      const calls = (message.toolCalls ?? [])
        .map((call) => `${call.function.name}(${call.function.arguments.slice(0, 200)})`)
        .join(', ');
      return `assistant: ${content}${calls ? ` [called ${calls}]` : ''}`;
    }
    case 'tool':
      return `tool result: ${content.slice(0, 500)}`;
    default:
      return `${message.role}: ${content}`;
  }
}
