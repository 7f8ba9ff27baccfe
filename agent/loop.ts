/**
 * The model ↔ tool loop of one turn: ask the model; if it calls tools, run each
 * call (through `execute`, which applies policy and approvals), append the results,
 * and ask again, up to `maxRounds` model calls. Every assistant and tool message is
 * handed to `record` as it happens, so the session keeps tool calls and results.
 * An answer that broke off after it was shown ends the turn marked as cut off;
 * `signal` (the turn's, aborted by `/stop`) stops the model stream and the tools.
 */
import type { NewMessage, ToolCallRecord } from '../sessions/records.js';
import type { ToolDefinition, ToolResult } from '../tools/registry.js';
import type { ChatMessage, ChatModel, CompletionRequest } from './llm.js';

/** Appended to an answer whose stream broke off after it was shown. */
export const CUT_OFF = '…(the answer was cut off)';

export interface LoopOptions {
  model: ChatModel;
  messages: ChatMessage[];
  tools: () => ToolDefinition[];
  maxRounds: number;
  execute: (call: ToolCallRecord) => Promise<ToolResult>;
  record: (message: NewMessage) => void;
  onDelta?: (delta: string) => void;
  signal?: AbortSignal;
  /** The configured model to ask first. */
  preferredModel?: string | undefined;
  onEvent?: CompletionRequest['onEvent'];
}

export interface LoopResult {
  text: string;
  rounds: number;
  toolCalls: number;
  /** The configured model that gave the last answer. */
  model?: string | undefined;
  cutOff?: boolean;
}

export async function runToolLoop(options: LoopOptions): Promise<LoopResult> {
  const messages = [...options.messages];
  let toolCalls = 0;
  for (let round = 1; round <= options.maxRounds; round++) {
    options.signal?.throwIfAborted();
    const tools = round < options.maxRounds ? options.tools() : [];
    const completion = await options.model.complete({
      messages,
      tools,
      ...(options.onDelta ? { onDelta: options.onDelta } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.preferredModel ? { model: options.preferredModel } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
    const calls = completion.toolCalls;
    options.record({
      role: 'assistant',
      content: completion.content,
      toolCalls: calls.length ? calls : undefined,
      promptTokens: completion.usage?.promptTokens,
      completionTokens: completion.usage?.completionTokens,
    });
    if (completion.cutOff) {
      const text = `${completion.content ?? ''}\n\n${CUT_OFF}`;
      return { text, rounds: round, toolCalls, model: completion.model, cutOff: true };
    }
    if (calls.length === 0)
      return { text: completion.content ?? '', rounds: round, toolCalls, model: completion.model };
    messages.push({ role: 'assistant', content: completion.content, tool_calls: calls });
    for (const call of calls) {
      options.signal?.throwIfAborted();
      toolCalls++;
      const result = await options.execute(call);
      const content = result.isError ? `Error: ${result.content}` : result.content;
      options.record({ role: 'tool', content, toolCallId: call.id });
      messages.push({ role: 'tool', content, tool_call_id: call.id });
    }
    options.onDelta?.('\n\n');
  }
  return {
    text: `I stopped after ${options.maxRounds} rounds of tool calls without a final answer. Please narrow the request.`,
    rounds: options.maxRounds,
    toolCalls,
  };
}
