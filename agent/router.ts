/**
 * The one router every channel feeds. For each message taken from the queue:
 *
 *   access policy    ─► silent / pairing code / allowed
 *   approval answer? ─► answer it (runs outside the conversation lane)
 *   command?         ─► /help /new /reset /status /whoami /start
 *   provider missing ─► say which variables to set
 *   otherwise        ─► prepare steps (voice note → transcript) ─► session history + user
 *                       message (attachments: agent/attachments.ts), system prompt + sections
 *                       (skills, MCP note, memories) ─► model ↔ tools loop ─► finish steps
 *                       (spoken reply) ─► reply
 *
 * A turn's session messages are stored only with its frozen reply (see `converse`),
 * so a turn re-run after a crash starts from a clean session.
 */
import type { Logger } from 'pino';
import type { MessageHandler, Reply, Turn } from '../bridge/index.js';
import type { InboundMessage } from '../core/contract.js';
import type { HistoryMessage, NewMessage, Session, ToolCallRecord } from '../sessions/records.js';
import type { SessionStore } from '../sessions/stores.js';
import type { Redactor } from '../tools/redact.js';
import type { ToolRegistry, ToolResult } from '../tools/registry.js';
import { type AccessPolicy, pairingText, principalOf } from './access.js';
import {
  type ApprovalService,
  approvalButtons,
  commandGrantKey,
  parseApprovalAnswer,
  type ScopedAnswer,
} from './approvals.js';
import {
  type ImagePart,
  imageParts,
  type UserContent,
  userContent,
  withImages,
} from './attachments.js';
import { type Command, parseCommand } from './commands.js';
import type { HistoryConfig, LlmConfig } from './config.js';
import { type ChatMessage, type ChatModel, ProviderError } from './llm.js';
import { runToolLoop } from './loop.js';
import {
  prepareMessage,
  systemPrompt,
  type TurnExtensions,
  type TurnScope,
} from './turn-context.js';

export interface RouterDeps {
  config: { llm: LlmConfig; history: HistoryConfig };
  sessions: SessionStore;
  access: AccessPolicy;
  approvals: ApprovalService;
  tools: ToolRegistry;
  /** Undefined when no provider is configured; `providerMissing` says what to set. */
  model: ChatModel | undefined;
  providerMissing: string | undefined;
  redactor: Redactor;
  log: Logger;
  /** Prompt sections and message preparation added by capabilities (agent/turn-context.ts). */
  turn?: TurnExtensions;
  /** Commands besides the built-in ones (e.g. /skills, /memory). */
  commands?: Command[];
}

/** Events for metrics. */
export type RouterEvent =
  | { type: 'llm'; ok: boolean; latencyMs: number }
  | { type: 'tool'; tool: string; outcome: 'ok' | 'error' | 'denied' };

export class Router implements MessageHandler {
  private readonly listeners: ((event: RouterEvent) => void)[] = [];

  constructor(private readonly deps: RouterDeps) {}

  on(listener: (event: RouterEvent) => void): void {
    this.listeners.push(listener);
  }

  isControl(message: InboundMessage): boolean {
    return parseApprovalAnswer(message) !== undefined;
  }

  async handle(turn: Turn): Promise<Reply | null> {
    const { message } = turn;
    const decision = await this.deps.access.check(
      message,
      turn.adapter.capabilities.preauthenticated === true,
    );
    if (decision.kind === 'ignore') {
      this.deps.log.debug(
        { conversation: turn.conversationKey, reason: decision.reason },
        'message ignored',
      );
      // A button pressed by someone the policy ignores: stop the platform's spinner,
      // say nothing in the chat.
      if (message.action) await turn.adapter.acknowledgeAction?.(message).catch(() => {});
      return null;
    }
    if (decision.kind === 'pair') return { text: pairingText(decision.request) };
    // Access first: an approval answer from a stranger or an unaddressed group message
    // never reaches the approval service (which then checks who may approve).
    const answer = parseApprovalAnswer(message);
    if (answer)
      return this.answerApproval(turn, answer.id, answer.command ? 'command' : answer.answer);
    const parsed = parseCommand(message.text, this.deps.commands);
    if (parsed) {
      return {
        text: await parsed.command.run(
          {
            principal: principalOf(message),
            senderName: message.sender.name,
            role: decision.role,
            conversationKey: turn.conversationKey,
            chatType: message.chatType,
            conversationId: message.conversationId,
            extraCommands: this.deps.commands ?? [],
            resetSession: () => this.deps.sessions.end(turn.conversationKey),
            status: () => this.status(turn),
          },
          parsed.args,
        ),
      };
    }
    if (!this.deps.model)
      return { text: this.deps.providerMissing ?? 'No AI provider is configured.' };
    if (!message.text.trim() && message.attachments.length === 0) return null;
    const scope = {
      message,
      principal: principalOf(message),
      conversationKey: turn.conversationKey,
    };
    const prepared = await prepareMessage(this.deps.turn?.prepare ?? [], scope);
    if ('reply' in prepared) return { text: prepared.reply };
    const reply = await this.converse({ ...turn, message: prepared.message }, this.deps.model);
    for (const step of this.deps.turn?.finish ?? [])
      await step(scope, reply.text, turn).catch((error) =>
        this.deps.log.warn({ err: error }, 'finishing step failed'),
      );
    if (prepared.echo.length === 0) return reply;
    return { ...reply, text: [...prepared.echo, reply.text].join('\n\n') };
  }

  private async answerApproval(turn: Turn, id: string, answer: ScopedAnswer): Promise<Reply> {
    const result = await this.deps.approvals.answer(id, answer, principalOf(turn.message));
    if (turn.message.action)
      await turn.adapter.acknowledgeAction?.(turn.message, result.text).catch(() => {});
    return { text: result.text };
  }

  /**
   * The model turn. Its session messages (the user's, tool rounds, the answer) are
   * kept in memory and stored by the bridge together with the frozen reply
   * (`Reply.session`), so an interrupted turn leaves nothing behind and re-runs cleanly.
   */
  private async converse(turn: Turn, model: ChatModel): Promise<Reply> {
    const { message } = turn;
    const { sessions } = this.deps;
    const session = await sessions.active({
      key: turn.conversationKey,
      channel: message.channel,
      conversationId: message.conversationId,
      threadId: message.threadId,
      chatType: message.chatType,
      userId: message.chatType === 'dm' ? message.sender.id : undefined,
    });
    if (turn.rerun) await sessions.discardTurn(turn.inboxId);
    const user: NewMessage = {
      role: 'user',
      content: userContent(message),
      inboxId: turn.inboxId,
      senderId: message.sender.id,
      senderName: message.sender.name,
    };
    const turnMessages: NewMessage[] = [user];
    const record = { sessionId: session.id, messages: turnMessages };
    const history = await sessions.history(session.id, this.deps.config.history, user);
    const scope: TurnScope = {
      message,
      principal: principalOf(message),
      conversationKey: turn.conversationKey,
    };
    const { llm } = this.deps.config;
    const images = await imageParts(message);
    const messages: ChatMessage[] = [
      {
        role: 'system',
        content: await systemPrompt(llm.systemPrompt, this.deps.turn?.sections ?? [], scope),
      },
      ...history.map((stored) =>
        toChatMessage(stored, stored.inboxId === turn.inboxId ? images : []),
      ),
    ];
    const started = Date.now();
    try {
      const result = await runToolLoop({
        model,
        messages,
        tools: () => this.deps.tools.definitions(message.chatType),
        maxRounds: this.deps.config.llm.maxToolRounds,
        execute: (call) => this.execute(turn, session, call),
        record: (stored) => turnMessages.push(stored),
        onDelta: (delta) => turn.stream(delta),
      });
      this.emit({ type: 'llm', ok: true, latencyMs: Date.now() - started });
      return { text: this.deps.redactor.redact(result.text || '(no answer)'), session: record };
    } catch (error) {
      this.emit({ type: 'llm', ok: false, latencyMs: Date.now() - started });
      if (!(error instanceof ProviderError)) throw error;
      this.deps.log.warn({ err: error, status: error.status }, 'provider failed');
      return { text: error.userMessage, session: record };
    }
  }

  /** Runs one tool call: availability, argument validation, policy and approval, then the tool. */
  private async execute(turn: Turn, session: Session, call: ToolCallRecord): Promise<ToolResult> {
    const { tools, approvals, redactor } = this.deps;
    const name = call.function.name;
    const unavailable = tools.unavailable(name, turn.message.chatType);
    const tool = tools.get(name);
    if (unavailable || !tool)
      return this.toolOutcome(name, 'denied', {
        content: unavailable ?? `unknown tool ${name}`,
        isError: true,
      });
    let args: unknown;
    try {
      args = tool.schema.parse(JSON.parse(call.function.arguments || '{}'));
    } catch (error) {
      return this.toolOutcome(name, 'error', {
        content: `Invalid arguments for ${name}: ${(error as Error).message}`,
        isError: true,
      });
    }
    const policy = tools.policyFor(name, args, turn.message.chatType);
    if (policy === 'deny')
      return this.toolOutcome(name, 'denied', {
        content: `The owner's policy does not allow this ${name} call.`,
        isError: true,
      });
    if (policy === 'ask') {
      const decision = await approvals.decide(
        {
          inboxId: turn.inboxId,
          sessionId: session.id,
          conversationKey: turn.conversationKey,
          channel: turn.message.channel,
          target: turn.target,
          tool: name,
          args: JSON.stringify(args),
          requestedBy: principalOf(turn.message),
        },
        (approval) => this.presentApproval(turn, approval.id, name, JSON.stringify(args)),
      );
      if (decision !== 'approved') {
        return this.toolOutcome(name, 'denied', {
          content: `The owner ${decision === 'expired' ? 'did not answer in time; the call was denied' : 'denied this call'}.`,
          isError: true,
        });
      }
    }
    try {
      const controller = new AbortController();
      const result = await tool.run(args, {
        sessionId: session.id,
        conversationKey: turn.conversationKey,
        channel: turn.message.channel,
        senderId: turn.message.sender.id,
        chatType: turn.message.chatType,
        conversationId: turn.message.conversationId,
        signal: controller.signal,
      });
      return this.toolOutcome(name, result.isError ? 'error' : 'ok', {
        ...result,
        content: redactor.redact(result.content),
      });
    } catch (error) {
      this.deps.log.error({ err: error, tool: name }, 'tool failed');
      return this.toolOutcome(name, 'error', {
        content: `Tool ${name} failed: ${redactor.redact((error as Error).message)}`,
        isError: true,
      });
    }
  }

  private async presentApproval(turn: Turn, id: string, tool: string, args: string): Promise<void> {
    const shown = args.length > 600 ? `${args.slice(0, 600)}…` : args;
    const lines = [
      `**Approval needed** (${id}): the agent wants to run \`${tool}\` with:`,
      '```json',
      this.deps.redactor.redact(shown),
      '```',
    ];
    if (turn.adapter.capabilities.buttons) {
      const thisCommand = commandGrantKey(tool, args) !== undefined;
      await turn.notify(lines.join('\n'), approvalButtons(id, thisCommand));
    } else {
      lines.push(
        `Reply \`approve ${id}\`, \`approve ${id} session\` (allow for this session) or \`deny ${id}\`.`,
      );
      await turn.notify(lines.join('\n'));
    }
  }

  private toolOutcome(
    tool: string,
    outcome: 'ok' | 'error' | 'denied',
    result: ToolResult,
  ): ToolResult {
    this.emit({ type: 'tool', tool, outcome });
    return result;
  }

  private async status(turn: Turn): Promise<Record<string, string | number>> {
    const session = await this.deps.sessions.active({
      key: turn.conversationKey,
      channel: turn.message.channel,
      conversationId: turn.message.conversationId,
      threadId: turn.message.threadId,
      chatType: turn.message.chatType,
    });
    const usage = await this.deps.sessions.usage(session.id);
    return {
      model: this.deps.model?.name ?? 'not configured',
      session: session.id,
      'messages in session': usage.messages,
      'tokens used': usage.promptTokens + usage.completionTokens,
      tools:
        this.deps.tools
          .definitions()
          .map((d) => d.function.name)
          .join(', ') || 'none',
      'queue depth': turn.queueDepth,
    };
  }

  private emit(event: RouterEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

/** Maps a stored message to the Chat Completions shape; `images` go with the current turn's. */
function toChatMessage(stored: HistoryMessage, images: ImagePart[]): ChatMessage {
  switch (stored.role) {
    case 'user': {
      const content: UserContent = withImages(stored.content ?? '', images);
      return { role: 'user', content };
    }
    case 'assistant':
      return stored.toolCalls
        ? { role: 'assistant', content: stored.content, tool_calls: stored.toolCalls }
        : { role: 'assistant', content: stored.content ?? '' };
    case 'tool':
      return { role: 'tool', content: stored.content ?? '', tool_call_id: stored.toolCallId ?? '' };
    default:
      return { role: 'system', content: stored.content ?? '' };
  }
}
