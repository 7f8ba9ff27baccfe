/**
 * What a turn adds to the model's view besides the session: sections of the system
 * prompt (the skills list, a note on MCP servers that are down, the user's relevant
 * memories) and a step that prepares the inbound message (voice notes become their
 * transcript). The composition root hands the router a list of each; the router
 * only calls them, so a capability plugs in without the router knowing it.
 *
 *   message ─► prepare (transcribe …) ─► sections (skills, MCP note, memories)
 *           ─► system prompt + history ─► model ↔ tools ─► finish (spoken reply) ─► reply
 *
 * @example
 * ```ts
 * const mcpNote: PromptSection = () => mcp.note()
 * new Router({ ...deps, turn: { sections: [mcpNote], prepare: [] } })
 * ```
 */
import type { ChannelAdapter, InboundMessage, OutboundTarget } from '../core/contract.js';

/** Who is speaking, where: what a section or a tool may scope its data to. */
export interface TurnScope {
  message: InboundMessage;
  /** `channel:senderId`. */
  principal: string;
  conversationKey: string;
}

/** A section of the system prompt for this turn; undefined or '' adds nothing. */
export type PromptSection = (scope: TurnScope) => string | undefined | Promise<string | undefined>;

/**
 * A step run on the message before the model sees it: returns the message to use
 * (e.g. with a transcript as text and `echo` to show back), or a reply that ends the
 * turn (e.g. "voice notes need a transcription endpoint: set …").
 */
export type PrepareStep = (scope: TurnScope) => Promise<PrepareOutcome | undefined>;

export type PrepareOutcome = { message: InboundMessage; echo?: string } | { reply: string };

/**
 * A step run once the model answered, before the text reply is delivered (e.g. a
 * spoken version of it for a voice note). Outside the exactly-once guarantee of the
 * reply itself: a failure is logged, the text reply still goes out.
 */
export type FinishStep = (
  scope: TurnScope,
  reply: string,
  channel: { adapter: ChannelAdapter; target: OutboundTarget },
) => Promise<void>;

export interface TurnExtensions {
  sections: PromptSection[];
  prepare: PrepareStep[];
  finish?: FinishStep[];
}

/** The system prompt of one turn: the configured prompt, then each non-empty section. */
export async function systemPrompt(
  base: string,
  sections: PromptSection[],
  scope: TurnScope,
): Promise<string> {
  const parts = [base];
  for (const section of sections) {
    const text = await section(scope);
    if (text?.trim()) parts.push(text.trim());
  }
  return parts.join('\n\n');
}

/** Runs the prepare steps in order; each sees the message the previous one returned. */
export async function prepareMessage(
  steps: PrepareStep[],
  scope: TurnScope,
): Promise<{ message: InboundMessage; echo: string[] } | { reply: string }> {
  let message = scope.message;
  const echo: string[] = [];
  for (const step of steps) {
    const outcome = await step({ ...scope, message });
    if (!outcome) continue;
    if ('reply' in outcome) return outcome;
    message = outcome.message;
    if (outcome.echo) echo.push(outcome.echo);
  }
  return { message, echo };
}
