/**
 * The model ↔ tool loop of one turn: ask the model; if it calls tools, run each
 * call (through `execute`, which applies policy and approvals), append the results,
 * and ask again, up to `maxRounds` model calls. Every assistant and tool message is
 * handed to `record` as it happens, so the session keeps tool calls and results.
 * A call a budget refuses (`BudgetExceededError`, thrown before anything is sent)
 * ends the loop between rounds with the budget's explanation as the answer.
 * An answer that broke off after it was shown ends the turn marked as cut off;
 * `signal` (the turn's, aborted by `/stop`) stops the model stream and the tools.
 */
import type { NewMessage, ToolCallRecord } from '../sessions/records.js';
import type { UsageAttribution } from '../sessions/usage-records.js';
import type { ToolDefinition, ToolResult } from '../tools/registry.js';
import type { ChatMessage, ChatModel, Completion, CompletionRequest } from './llm.js';
import { BudgetExceededError } from './usage/meter.js';

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
  /** Passed on with every model call (usage records and budgets). */
  attribution?: UsageAttribution;
  /** The configured model to ask first. */
  preferredModel?: string | undefined;
  onEvent?: CompletionRequest['onEvent'];
}

export interface LoopResult {
  text: string;
  rounds: number;
  toolCalls: number;
  /** Set when a budget stopped the loop (`text` explains it). */
  budget?: BudgetExceededError;
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
    let completion: Completion;
    try {
      completion = await options.model.complete({
        messages,
        tools,
        ...(options.onDelta ? { onDelta: options.onDelta } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.preferredModel ? { model: options.preferredModel } : {}),
        ...(options.onEvent ? { onEvent: options.onEvent } : {}),
        ...(options.attribution ? { attribution: options.attribution } : {}),
      });
    } catch (error) {
      if (!(error instanceof BudgetExceededError)) throw error;
      return { text: error.userMessage, rounds: round - 1, toolCalls, budget: error };
    }
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
